import { z } from 'zod';
import { TACHE_PRIORITES, TACHE_STATUTS } from './choices.js';
import { choice, id, isoDate, optionalText, orderingParam, paginationQuery, partialOf, queryBool, requiredText, timestamp } from './common.js';

/** Query filter: `me` or a user id; a query string is text, so the id is parsed here (the REST adapter only coerces plain numbers). */
export const userIdOrMe = z
  .preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string({ error: 'err.integer' }).regex(/^(me|[1-9]\d{0,9})$/, 'err.integer'))
  .transform((v): 'me' | number => (v === 'me' ? 'me' : Number(v)));

export const TACHE_ORDERING = ['dateEcheance', 'priorite', 'dateCreation', 'position'] as const;

export const tacheFields = {
  titre: requiredText(200),
  description: optionalText().default(''),
  /** Absent on create → the creator; `null` → unassigned. */
  assigneA: id.nullable().optional(),
  client: id.nullable().default(null),
  projet: id.nullable().default(null),
  priorite: choice(TACHE_PRIORITES),
  dateEcheance: isoDate,
  statut: choice(TACHE_STATUTS).default('a_faire'),
  position: z.number({ error: 'err.integer' }).int('err.integer').min(0, 'err.integer').optional(),
};
export const tacheCreateInput = z.object(tacheFields);
export const tacheUpdateInput = z.object({ id, ...tacheFields });
export const tachePatchInput = z.object({ id, ...partialOf(tacheFields) });

export const tacheListFilters = {
  statut: choice(TACHE_STATUTS).optional(),
  priorite: choice(TACHE_PRIORITES).optional(),
  assigneA: userIdOrMe.optional(),
  client: id.optional(),
  projet: id.optional(),
  echeanceAvant: isoDate.optional(),
  echeanceApres: isoDate.optional(),
  enRetard: queryBool.optional(),
};
export const tacheListInput = z.object({ ...paginationQuery, ordering: orderingParam(TACHE_ORDERING), ...tacheListFilters });
/** `GET /projets/{id}/taches/` and `GET /clients/{id}/taches/`: the same filters, under a parent. */
export const tacheSubListInput = tacheListInput.extend({ id });

export const tacheOutput = z.object({
  id: z.number().int(),
  titre: z.string(),
  description: z.string(),
  assigneA: z.number().int().nullable(),
  assigneANom: z.string().nullable(),
  client: z.number().int().nullable(),
  clientNom: z.string().nullable(),
  projet: z.number().int().nullable(),
  projetTitre: z.string().nullable(),
  priorite: z.enum(TACHE_PRIORITES),
  dateEcheance: z.string(),
  statut: z.enum(TACHE_STATUTS),
  position: z.number().int(),
  enRetard: z.boolean(),
  dateTerminee: timestamp.nullable(),
  dateCreation: timestamp,
  dateModification: timestamp,
});
export type TacheOut = z.infer<typeof tacheOutput>;
