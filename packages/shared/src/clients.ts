import { z } from 'zod';
import { email, id, optionalText, orderingParam, paginationQuery, partialOf, phone, requiredText, timestamp } from './common.js';

export const CLIENT_ORDERING = ['nom', 'societe', 'dateCreation', 'dateModification'] as const;

const nullableEmail = z
  .union([z.literal(''), email], { error: 'err.email' })
  .nullable()
  .transform((v) => (v === '' ? null : v));

export const clientFields = {
  nom: requiredText(200),
  societe: optionalText(200).default(''),
  email: nullableEmail.default(null),
  telephone: phone.default(''),
  notes: optionalText().default(''),
  categorie: optionalText(50).default(''),
  responsable: id.nullable().optional(),
};
export const clientCreateInput = z.object(clientFields);
export const clientUpdateInput = z.object({ id, ...clientFields });
export const clientPatchInput = z.object({ id, ...partialOf(clientFields) });

export const clientListFilters = {
  categorie: z.string().max(50).optional(),
  responsable: id.optional(),
};
export const clientListInput = z.object({ ...paginationQuery, ordering: orderingParam(CLIENT_ORDERING), ...clientListFilters });

export const clientOutput = z.object({
  id: z.number().int(),
  nom: z.string(),
  societe: z.string(),
  email: z.string().nullable(),
  telephone: z.string(),
  notes: z.string(),
  categorie: z.string(),
  responsable: z.number().int().nullable(),
  responsableNom: z.string().nullable(),
  dateCreation: timestamp,
  dateModification: timestamp,
});
export const clientDetailOutput = clientOutput.extend({
  valeurClient: z.number(),
  pipelinePondere: z.number(),
  nbProjetsActifs: z.number().int(),
  nbOpportunitesActives: z.number().int(),
});
export type ClientOut = z.infer<typeof clientOutput>;
export type ClientDetailOut = z.infer<typeof clientDetailOutput>;
export type ClientCreate = z.infer<typeof clientCreateInput>;
