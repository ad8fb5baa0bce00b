import { z } from 'zod';
import { ACTIVITE_TYPES } from './choicesMemory.js';
import { userIdOrMe } from './taches.js';
import {
  choice,
  id,
  isoDate,
  optionalText,
  orderingParam,
  paginationQuery,
  partialOf,
  requiredText,
  timestamp,
} from './common.js';

export const ACTIVITE_ORDERING = ['date', 'dateCreation', 'type'] as const;

/** An ISO 8601 timestamp (with `Z` or an offset); stored as timestamptz, answered in UTC. */
export const timestampInput = z.iso.datetime({ offset: true, error: 'err.datetime' });

export const activiteFields = {
  type: choice(ACTIVITE_TYPES),
  sujet: requiredText(200),
  /** Plain text or Markdown; answered as given (`contenu`) and as sanitized HTML (`contenuHtml`). */
  contenu: optionalText(20_000).default(''),
  /** When it happened; defaults to now. */
  date: timestampInput.optional(),
  client: id,
  contact: id.nullable().default(null),
  opportunite: id.nullable().default(null),
  projet: id.nullable().default(null),
};
export const activiteCreateInput = z.object(activiteFields);
export const activiteUpdateInput = z.object({ id, ...activiteFields });
export const activitePatchInput = z.object({ id, ...partialOf(activiteFields) });

export const activiteListFilters = {
  type: choice(ACTIVITE_TYPES).describe('Type exact').optional(),
  client: id.describe('Id du client').optional(),
  contact: id.describe('Id du contact').optional(),
  opportunite: id.describe("Id de l'opportunité").optional(),
  projet: id.describe('Id du projet').optional(),
  auteur: userIdOrMe.describe("Id de l'auteur, ou `me`").optional(),
  dateApres: isoDate.describe('À partir de ce jour (inclus)').optional(),
  dateAvant: isoDate.describe("Jusqu'à ce jour (inclus)").optional(),
};
export const activiteListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(ACTIVITE_ORDERING),
  ...activiteListFilters,
});

export const activiteOutput = z.object({
  id: z.number().int(),
  type: z.enum(ACTIVITE_TYPES),
  sujet: z.string(),
  contenu: z.string(),
  contenuHtml: z.string().describe('contenu rendu en HTML (Markdown, HTML brut échappé)'),
  date: timestamp,
  auteur: z.number().int().nullable(),
  auteurNom: z.string().nullable(),
  client: z.number().int(),
  clientNom: z.string(),
  contact: z.number().int().nullable(),
  contactNom: z.string().nullable(),
  opportunite: z.number().int().nullable(),
  opportuniteNom: z.string().nullable(),
  projet: z.number().int().nullable(),
  projetTitre: z.string().nullable(),
  dateCreation: timestamp,
  dateModification: timestamp,
});
export type ActiviteOut = z.infer<typeof activiteOutput>;
