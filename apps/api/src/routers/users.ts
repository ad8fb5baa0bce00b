import { idParam, paginated, userCreateInput, userListInput, userOutput, userPatchInput } from '@crm/shared';
import { router } from '../trpc/init.js';
import { adminProcedure, authedProcedure } from '../trpc/procedures.js';
import { createUser, patchUser } from '../services/users.js';
import { getUser, listUsers } from '../services/users/queries.js';
import { audit } from '../services/audit.js';

const tags = ['users'];

export const usersRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/',
        tags,
        summary: 'Liste des utilisateurs (pour les listes d’assignation)',
      },
    })
    .input(userListInput)
    .output(paginated(userOutput))
    .query(({ ctx, input }) => listUsers(ctx.em, input)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/{id}/', tags, summary: "Détail d'un utilisateur" } })
    .input(idParam)
    .output(userOutput)
    .query(({ ctx, input }) => getUser(ctx.em, input.id)),

  create: adminProcedure
    .meta({
      openapi: { method: 'POST', path: '/users/', tags, summary: "Création d'un utilisateur (admin)" },
      successStatus: 201,
      errors: { 409: "Nom d'utilisateur ou e-mail déjà pris" },
    })
    .input(userCreateInput)
    .output(userOutput)
    .mutation(async ({ ctx, input }) => {
      const user = await createUser(ctx.em, input);
      await audit(ctx.em, {
        userId: ctx.user.id,
        action: 'user_create',
        entity: 'user',
        entityId: user.id,
        ip: ctx.ip,
      });
      return user;
    }),

  patch: adminProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/users/{id}/',
        tags,
        summary: "Modification / désactivation d'un utilisateur (admin)",
      },
      errors: { 409: "Nom d'utilisateur ou e-mail déjà pris ; dernier administrateur actif désactivé ou rétrogradé" },
    })
    .input(userPatchInput)
    .output(userOutput)
    .mutation(async ({ ctx, input: { id, ...rest } }) => {
      const { user, revokeSessions } = await patchUser(ctx.em, id, rest);
      if (revokeSessions) {
        const revoked = await ctx.deps.sessions.revokeUser(
          ctx.em,
          id,
          rest.isActive === false ? 'deactivated' : 'user_changed',
        );
        await ctx.deps.sessionCache.invalidate(revoked);
      }
      await audit(ctx.em, {
        userId: ctx.user.id,
        action: rest.isActive === false ? 'user_deactivate' : 'user_update',
        entity: 'user',
        entityId: id,
        details: { fields: Object.keys(rest).filter((k) => k !== 'password') },
        ip: ctx.ip,
      });
      return user;
    }),
});
