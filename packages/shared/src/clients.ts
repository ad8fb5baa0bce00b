import { z } from 'zod';
import {
  email,
  id,
  idOut,
  optionalText,
  orderingParam,
  paginationQuery,
  partialOf,
  phone,
  requiredText,
  timestamp,
} from './common.js';

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
export const clientCreateInput = z.object(clientFields).meta({ id: 'ClientCreate', description: 'Nouveau client' });
export const clientUpdateInput = z
  .object({ id, ...clientFields })
  .meta({ id: 'ClientUpdate', description: 'Client complet (PUT)' });
export const clientPatchInput = z
  .object({ id, ...partialOf(clientFields) })
  .meta({ id: 'ClientPatch', description: 'Champs du client à modifier (PATCH)' });

export const clientListFilters = {
  categorie: z.string().max(50).describe('Catégorie exacte').optional(),
  responsable: id.describe('Id du commercial responsable').optional(),
};
export const clientListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(CLIENT_ORDERING),
  ...clientListFilters,
});

const clientExample = {
  id: 12,
  nom: 'Dupont',
  societe: 'Acme SARL',
  email: 'contact@acme.fr',
  telephone: '+33123456789',
  notes: '',
  categorie: 'PME',
  responsable: 3,
  responsableNom: 'Paul Martin',
  dateCreation: '2026-01-15T10:00:00Z',
  dateModification: '2026-02-01T08:30:00Z',
};
export const clientOutput = z
  .object({
    id: idOut,
    nom: z.string(),
    societe: z.string(),
    email: z.string().nullable(),
    telephone: z.string(),
    notes: z.string(),
    categorie: z.string(),
    responsable: idOut.nullable(),
    responsableNom: z.string().nullable(),
    dateCreation: timestamp,
    dateModification: timestamp,
  })
  .meta({ id: 'Client', description: 'Client (liste)', examples: [clientExample] });
export const clientDetailOutput = clientOutput
  .extend({
    valeurClient: z.number(),
    pipelinePondere: z.number(),
    nbProjetsActifs: z.number().int(),
    nbOpportunitesActives: z.number().int(),
  })
  .meta({
    id: 'ClientDetail',
    description: 'Client avec ses indicateurs (détail, création, mise à jour)',
    examples: [
      { ...clientExample, valeurClient: 15000, pipelinePondere: 4200.5, nbProjetsActifs: 1, nbOpportunitesActives: 2 },
    ],
  });
export type ClientOut = z.infer<typeof clientOutput>;
export type ClientDetailOut = z.infer<typeof clientDetailOutput>;
export type ClientCreate = z.infer<typeof clientCreateInput>;
