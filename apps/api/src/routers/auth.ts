import { z } from 'zod';
import { loginInput, loginOutput, passwordChangeInput, refreshInput, refreshOutput, userOutput } from '@crm/shared';
import { ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE, authedProcedure, publicProcedure, router, type Context } from '../trpc.js';
import { ApiError, fieldError, unauthorized } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/db.js';
import { dummyVerify, hashPassword, verifyPassword } from '../auth/passwords.js';
import { randomToken } from '../auth/tokens.js';
import { getUser, USER_COLUMNS, userOut } from '../services/users.js';
import { audit } from '../services/audit.js';

const tags = ['auth'];

function setAuthCookies(ctx: Context, access: string, refresh: string): void {
  const { secureCookies, accessTtlSeconds, refreshTtlSeconds } = ctx.deps.config;
  const base = { path: '/', sameSite: 'lax' as const, secure: secureCookies };
  ctx.reply.setCookie(ACCESS_COOKIE, access, { ...base, httpOnly: true, maxAge: accessTtlSeconds });
  ctx.reply.setCookie(REFRESH_COOKIE, refresh, { ...base, httpOnly: true, maxAge: refreshTtlSeconds, path: '/api/auth/' });
  // Readable by the SPA (double submit): sent back in X-CSRFToken on state-changing requests.
  ctx.reply.setCookie(CSRF_COOKIE, randomToken(), { ...base, httpOnly: false, maxAge: refreshTtlSeconds });
}

function clearAuthCookies(ctx: Context): void {
  ctx.reply.clearCookie(ACCESS_COOKIE, { path: '/' });
  ctx.reply.clearCookie(REFRESH_COOKIE, { path: '/api/auth/' });
  ctx.reply.clearCookie(CSRF_COOKIE, { path: '/' });
}

async function rateLimited(ctx: Context, keys: string[]): Promise<void> {
  let wait = 0;
  for (const k of keys) wait = Math.max(wait, await ctx.deps.loginLimiter.blockedFor(k));
  if (wait > 0) throw new ApiError('TOO_MANY_REQUESTS', 'error.too_many_requests', undefined, { 'Retry-After': String(wait) });
}

export const authRouter = router({
  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/login/', tags, protect: false, summary: 'Connexion (jetons JWT + cookies httpOnly)' } })
    .input(loginInput)
    .output(loginOutput)
    .mutation(async ({ ctx, input }) => {
      const userKey = `u:${input.username.toLowerCase()}`;
      const ipKey = `ip:${ctx.ip}`;
      await rateLimited(ctx, [userKey, ipKey]);
      const row = await sqlOne(
        ctx.em,
        `select ${USER_COLUMNS}, u.password_hash from users u where lower(u.username) = lower(?) or (u.email <> '' and lower(u.email) = lower(?))
         order by (lower(u.username) = lower(?)) desc limit 1`,
        [input.username, input.username, input.username],
      );
      const ok = row ? await verifyPassword(row.password_hash, input.password) : await dummyVerify(input.password);
      if (!row || !ok || !row.is_active) {
        await ctx.deps.loginLimiter.fail(userKey);
        await ctx.deps.loginLimiter.fail(ipKey);
        await audit(ctx.em, { userId: row?.id ?? null, action: 'login_failed', details: { username: input.username }, ip: ctx.ip });
        throw unauthorized('error.invalid_credentials');
      }
      await ctx.deps.loginLimiter.reset(userKey);
      const { sessionId, refresh } = await ctx.deps.sessions.create(ctx.em, row.id, {
        ip: ctx.ip,
        userAgent: String(ctx.req.headers['user-agent'] ?? ''),
      });
      const access = await ctx.deps.tokens.signAccess(row.id, sessionId);
      setAuthCookies(ctx, access, refresh);
      await audit(ctx.em, { userId: row.id, action: 'login', ip: ctx.ip });
      return { access, refresh, user: userOut(row) };
    }),

  refresh: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/refresh/', tags, protect: false, summary: 'Rafraîchissement du jeton (usage unique)' } })
    .input(refreshInput)
    .output(refreshOutput)
    .mutation(async ({ ctx, input }) => {
      const presented = input.refresh ?? ctx.req.cookies?.[REFRESH_COOKIE];
      if (!presented) throw unauthorized('error.token_invalid');
      const result = await ctx.deps.sessions.rotate(ctx.em, presented);
      if (result === 'reused') {
        const sessionId = presented.split('.')[0];
        await ctx.deps.sessionCache.invalidate([sessionId]);
        await audit(ctx.em, { action: 'refresh_reuse_session_revoked', details: { sessionId: sessionId.slice(0, 8) }, ip: ctx.ip });
        clearAuthCookies(ctx);
        throw unauthorized('error.token_invalid');
      }
      if (!result) throw unauthorized('error.token_invalid');
      const access = await ctx.deps.tokens.signAccess(result.userId, result.sessionId);
      setAuthCookies(ctx, access, result.refresh);
      return { access, refresh: result.refresh };
    }),

  logout: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/logout/', tags, summary: 'Déconnexion (session révoquée)' } })
    .input(z.object({}).optional())
    .output(z.void())
    .mutation(async ({ ctx }) => {
      await ctx.deps.sessions.revoke(ctx.em, ctx.sessionId, 'logout');
      await ctx.deps.sessionCache.invalidate([ctx.sessionId]);
      await audit(ctx.em, { userId: ctx.user.id, action: 'logout', ip: ctx.ip });
      clearAuthCookies(ctx);
      ctx.response.status = 204;
    }),

  user: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/auth/user/', tags, summary: "Informations sur l'utilisateur connecté" } })
    .input(z.object({}).optional())
    .output(userOutput)
    .query(({ ctx }) => getUser(ctx.em, ctx.user.id)),

  changePassword: authedProcedure
    .meta({ openapi: { method: 'PUT', path: '/auth/password/change/', tags, summary: 'Changement de mot de passe (autres sessions révoquées)' } })
    .input(passwordChangeInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      const row = await sqlOne<{ password_hash: string; username: string }>(ctx.em, `select password_hash, username from users where id = ?`, [ctx.user.id]);
      if (!row || !(await verifyPassword(row.password_hash, input.oldPassword))) throw fieldError('oldPassword', 'err.password_wrong');
      if (input.newPassword.toLowerCase() === row.username.toLowerCase()) throw fieldError('newPassword', 'err.password_username');
      await sql(ctx.em, `update users set password_hash = ?, date_modification = now() where id = ?`, [await hashPassword(input.newPassword), ctx.user.id]);
      const revoked = await ctx.deps.sessions.revokeUser(ctx.em, ctx.user.id, 'password_change', ctx.sessionId);
      await ctx.deps.sessionCache.invalidate(revoked);
      await audit(ctx.em, { userId: ctx.user.id, action: 'password_change', details: { revokedSessions: revoked.length }, ip: ctx.ip });
      ctx.response.status = 204;
    }),
});
