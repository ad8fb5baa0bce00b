import { z } from 'zod';
import {
  email,
  id,
  optionalText,
  orderingParam,
  paginationQuery,
  partialOf,
  phone,
  queryBool,
  requiredText,
  timestamp,
} from './common.js';

export const CONTACT_ORDERING = ['nom', 'prenom', 'dateCreation'] as const;

/** '' means "no e-mail" (stored null, so that the per-client uniqueness ignores it). */
export const nullableEmail = z
  .union([z.literal(''), email], { error: 'err.email' })
  .nullable()
  .transform((v) => (v === '' ? null : v));

export const contactFields = {
  client: id,
  prenom: optionalText(100).default(''),
  nom: requiredText(100),
  fonction: optionalText(100).default(''),
  email: nullableEmail.default(null),
  telephone: phone.default(''),
  principal: z.boolean({ error: 'err.boolean' }).default(false),
  notes: optionalText().default(''),
};
export const contactCreateInput = z.object(contactFields);
export const contactUpdateInput = z.object({ id, ...contactFields });
export const contactPatchInput = z.object({ id, ...partialOf(contactFields) });
/** `POST /clients/{id}/contacts/`: the client is the path's. */
const { client: _client, ...contactOfClientFields } = contactFields;
export const contactOfClientCreateInput = z.object({ id, ...contactOfClientFields });

export const contactListFilters = {
  client: id.optional(),
  principal: queryBool.describe('Seulement le contact principal (true) ou les autres (false)').optional(),
};
export const contactListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(CONTACT_ORDERING),
  ...contactListFilters,
});
export const contactSubListInput = contactListInput.extend({ id });

export const contactOutput = z.object({
  id: z.number().int(),
  client: z.number().int(),
  clientNom: z.string(),
  prenom: z.string(),
  nom: z.string(),
  nomComplet: z.string(),
  fonction: z.string(),
  email: z.string().nullable(),
  telephone: z.string(),
  principal: z.boolean(),
  notes: z.string(),
  dateCreation: timestamp,
  dateModification: timestamp,
});
export type ContactOut = z.infer<typeof contactOutput>;
export type ContactCreate = z.infer<typeof contactCreateInput>;
