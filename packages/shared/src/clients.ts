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
import { exampleOf, field, inputShape, outputShape, readOnlyField } from './fields.js';

export const CLIENT_ORDERING = ['nom', 'societe', 'dateCreation', 'dateModification'] as const;

const nullableEmail = z
  .union([z.literal(''), email], { error: 'err.email' })
  .nullable()
  .transform((v) => (v === '' ? null : v));

/**
 * Every field of a client, once: its input schema (create, PUT and PATCH derive from it), its
 * output schema and its value in the OpenAPI example.
 */
const CLIENT = {
  id: readOnlyField(idOut, 12),
  nom: field(requiredText(200), z.string(), 'Dupont'),
  societe: field(optionalText(200).default(''), z.string(), 'Acme SARL'),
  email: field(nullableEmail.default(null), z.string().nullable(), 'contact@acme.fr'),
  telephone: field(phone.default(''), z.string(), '+33123456789'),
  notes: field(optionalText().default(''), z.string(), ''),
  categorie: field(optionalText(50).default(''), z.string(), 'PME'),
  responsable: field(id.nullable().optional(), idOut.nullable(), 3),
  responsableNom: readOnlyField(z.string().nullable(), 'Paul Martin'),
  dateCreation: readOnlyField(timestamp, '2026-01-15T10:00:00Z'),
  dateModification: readOnlyField(timestamp, '2026-02-01T08:30:00Z'),
};

export const clientFields = inputShape(CLIENT);
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

const clientExample = exampleOf(CLIENT);
export const clientOutput = z
  .object(outputShape(CLIENT))
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
