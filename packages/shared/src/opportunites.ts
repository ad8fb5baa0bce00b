import { z } from 'zod';
import { ETAPES, RESULTATS } from './choices.js';
import { choice, id, isoDate, money, optionalText, orderingParam, paginationQuery, partialOf, requiredText, timestamp } from './common.js';

export const OPPORTUNITE_ORDERING = ['nom', 'montant', 'probabilite', 'dateConclusionEstimee', 'dateCreation', 'position'] as const;

export const probabilite = z
  .number({ error: 'err.probabilite' })
  .int('err.probabilite')
  .min(0, 'err.probabilite')
  .max(100, 'err.probabilite');

export const opportuniteFields = {
  nom: requiredText(200),
  client: id,
  responsable: id.nullable().optional(),
  montant: money.default(0),
  probabilite: probabilite.default(0),
  etape: choice(ETAPES).default('prospect'),
  resultat: choice(RESULTATS).nullable().default(null),
  motifPerte: optionalText().default(''),
  position: z.number({ error: 'err.integer' }).int('err.integer').min(0, 'err.integer').optional(),
  /** Kanban placement (with position, one of): just before / just after that card of the target column. */
  avant: id.optional(),
  apres: id.optional(),
  dateConclusionEstimee: isoDate.nullable().default(null),
  notes: optionalText().default(''),
};
export const opportuniteCreateInput = z.object(opportuniteFields);
export const opportuniteUpdateInput = z.object({ id, ...opportuniteFields });
export const opportunitePatchInput = z.object({ id, ...partialOf(opportuniteFields) });
export const avancerEtapeInput = z.object({
  id,
  resultat: choice(RESULTATS).optional(),
  motifPerte: optionalText().optional(),
});

export const opportuniteListFilters = {
  etape: choice(ETAPES).optional(),
  client: id.optional(),
  responsable: id.optional(),
  resultat: choice(RESULTATS).optional(),
  montantMin: money.optional(),
  montantMax: money.optional(),
};
export const opportuniteListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(OPPORTUNITE_ORDERING),
  ...opportuniteListFilters,
});
/** `GET /clients/{id}/opportunites/`: the same filters, under a parent client. */
export const opportuniteSubListInput = opportuniteListInput.extend({ id });

export const opportuniteOutput = z.object({
  id: z.number().int(),
  nom: z.string(),
  client: z.number().int(),
  clientNom: z.string(),
  responsable: z.number().int().nullable(),
  responsableNom: z.string().nullable(),
  montant: z.number(),
  probabilite: z.number().int(),
  etape: z.enum(ETAPES),
  resultat: z.enum(RESULTATS).nullable(),
  motifPerte: z.string(),
  position: z.number().int(),
  dateConclusionEstimee: z.string().nullable(),
  notes: z.string(),
  valeurPonderee: z.number(),
  devisActif: z.number().int().nullable(),
  dateCreation: timestamp,
  dateModification: timestamp,
});
export type OpportuniteOut = z.infer<typeof opportuniteOutput>;

/** `GET /opportunites/colonnes/`: the list's search and filters. */
export const opportuniteColonnesInput = z.object({ search: paginationQuery.search, ...opportuniteListFilters });
const resultatTotal = z.object({ nombre: z.number().int(), montant: z.number() });
/** Per stage (every stage, pipeline order): montantPondere of open deals; conclusion split into gagnees / perdues. */
export const opportuniteColonneOutput = z.object({
  etape: z.enum(ETAPES),
  nombre: z.number().int(),
  montant: z.number(),
  montantPondere: z.number(),
  gagnees: resultatTotal.optional(),
  perdues: resultatTotal.optional(),
});
export type OpportuniteColonneOut = z.infer<typeof opportuniteColonneOutput>;
