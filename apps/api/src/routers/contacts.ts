import { z } from 'zod';
import {
  contactCreateInput,
  contactListInput,
  contactOfClientCreateInput,
  contactOutput,
  contactPatchInput,
  contactSubListInput,
  contactUpdateInput,
  idParam,
  paginated,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure, staffProcedure } from '../trpc/procedures.js';
import { createContact, deleteContact, updateContact } from '../services/contacts.js';
import { getContact, listContacts, listContactsOfClient } from '../services/contacts/queries.js';

const tags = ['contacts'];

export const contactsRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/contacts/',
        tags,
        summary: 'Liste des contacts (filtrable, paginée ; recherche sur prénom, nom, e-mail)',
      },
    })
    .input(contactListInput)
    .output(paginated(contactOutput))
    .query(({ ctx, input }) => listContacts(ctx.em, ctx.user, input)),

  byClient: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/clients/{id}/contacts/',
        tags: ['clients', ...tags],
        summary: "Contacts d'un client (le principal en premier)",
      },
    })
    .input(contactSubListInput)
    .output(paginated(contactOutput))
    .query(({ ctx, input: { id, ...rest } }) => listContactsOfClient(ctx.em, ctx.user, id, rest)),

  createForClient: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/clients/{id}/contacts/',
        tags: ['clients', ...tags],
        summary: "Ajout d'un contact à un client",
      },
      successStatus: 201,
    })
    .input(contactOfClientCreateInput)
    .output(contactOutput)
    .mutation(async ({ ctx, input: { id, ...rest } }) => {
      const out = await createContact(ctx.em, ctx.user, { ...rest, client: id });
      return out;
    }),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/contacts/{id}/', tags, summary: "Détail d'un contact" } })
    .input(idParam)
    .output(contactOutput)
    .query(({ ctx, input }) => getContact(ctx.em, ctx.user, input.id)),

  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/contacts/',
        tags,
        summary: "Création d'un contact",
        description:
          'E-mail unique par client (sans tenir compte de la casse) → 409 ; `principal: true` retire ce rôle au précédent contact principal du client.',
      },
      successStatus: 201,
    })
    .input(contactCreateInput)
    .output(contactOutput)
    .mutation(async ({ ctx, input }) => {
      const out = await createContact(ctx.em, ctx.user, input);
      return out;
    }),

  update: authedProcedure
    .meta({ openapi: { method: 'PUT', path: '/contacts/{id}/', tags, summary: "Mise à jour complète d'un contact" } })
    .input(contactUpdateInput)
    .output(contactOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateContact(ctx.em, ctx.user, id, rest)),

  patch: authedProcedure
    .meta({
      openapi: { method: 'PATCH', path: '/contacts/{id}/', tags, summary: "Mise à jour partielle d'un contact" },
    })
    .input(contactPatchInput)
    .output(contactOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateContact(ctx.em, ctx.user, id, rest)),

  delete: staffProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/contacts/{id}/',
        tags,
        summary: "Suppression d'un contact (admin, manager)",
      },
      successStatus: 204,
    })
    .input(idParam)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await deleteContact(ctx.em, ctx.user, input.id);
    }),
});
