import { z } from 'zod';
import { TACHE_PRIORITES, TACHE_STATUTS } from './choices.js';
import {
  choice,
  id,
  idOut,
  dateOut,
  isoDate,
  optionalText,
  orderingParam,
  paginationQuery,
  partialOf,
  queryBool,
  requiredText,
  timestamp,
} from './common.js';

/** Query filter: `me` or a user id; a query string is text, so the id is parsed here (the REST adapter only coerces plain numbers). */
export const userIdOrMe = z
  .preprocess(
    (v) => (typeof v === 'number' ? String(v) : v),
    z.string({ error: 'err.integer' }).regex(/^(me|[1-9]\d{0,9})$/, 'err.integer'),
  )
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
  /** Kanban placement (with position, one of): just before / just after that card of the target column. */
  avant: id.optional(),
  apres: id.optional(),
};
export const tacheCreateInput = z.object(tacheFields).meta({ id: 'TacheCreate', description: 'Nouvelle tâche' });
export const tacheUpdateInput = z
  .object({ id, ...tacheFields })
  .meta({ id: 'TacheUpdate', description: 'Tâche complète (PUT)' });
export const tachePatchInput = z.object({ id, ...partialOf(tacheFields) }).meta({
  id: 'TachePatch',
  description: 'Champs de la tâche à modifier (PATCH) ; réassignation ; déplacement (statut, position)',
});

export const tacheListFilters = {
  statut: choice(TACHE_STATUTS).describe('Statut exact').optional(),
  priorite: choice(TACHE_PRIORITES).describe('Priorité exacte').optional(),
  assigneA: userIdOrMe
    .meta({
      override: {
        type: undefined,
        pattern: undefined,
        oneOf: [
          { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
          { type: 'string', const: 'me' },
        ],
      },
    })
    .describe("Id de l'utilisateur assigné, ou `me` pour l'appelant")
    .optional(),
  client: id.describe('Id du client').optional(),
  projet: id.describe('Id du projet').optional(),
  echeanceAvant: isoDate.describe('Échéance au plus tard ce jour (inclus)').optional(),
  echeanceApres: isoDate.describe('Échéance au plus tôt ce jour (inclus)').optional(),
  enRetard: queryBool.describe('En retard (échéance passée, non terminée)').optional(),
  termineeApres: isoDate
    .describe('Terminée au plus tôt ce jour (inclus, UTC : `dateTerminee`) ; les tâches non terminées sont exclues')
    .optional(),
};
export const tacheListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(TACHE_ORDERING),
  ...tacheListFilters,
});
/** `GET /projets/{id}/taches/` and `GET /clients/{id}/taches/`: the same filters, under a parent. */
export const tacheSubListInput = tacheListInput.extend({ id });

export const tacheOutput = z
  .object({
    id: idOut,
    titre: z.string(),
    description: z.string(),
    assigneA: idOut.nullable(),
    assigneANom: z.string().nullable(),
    client: idOut.nullable(),
    clientNom: z.string().nullable(),
    projet: idOut.nullable(),
    projetTitre: z.string().nullable(),
    priorite: z.enum(TACHE_PRIORITES),
    dateEcheance: dateOut,
    statut: z.enum(TACHE_STATUTS),
    position: z.number().int(),
    enRetard: z.boolean(),
    dateTerminee: timestamp.nullable(),
    dateCreation: timestamp,
    dateModification: timestamp,
  })
  .meta({
    id: 'Tache',
    description: 'Tâche (carte du tableau des tâches)',
    examples: [
      {
        id: 88,
        titre: 'Rappeler M. Dupont',
        description: '',
        assigneA: 3,
        assigneANom: 'Paul Martin',
        client: 12,
        clientNom: 'Dupont',
        projet: null,
        projetTitre: null,
        priorite: 'haute',
        dateEcheance: '2026-03-20',
        statut: 'a_faire',
        position: 1000,
        enRetard: false,
        dateTerminee: null,
        dateCreation: '2026-03-10T08:00:00Z',
        dateModification: '2026-03-10T08:00:00Z',
      },
    ],
  });
export type TacheOut = z.infer<typeof tacheOutput>;

/** `GET /taches/colonnes/`: the list's search and filters. */
export const tacheColonnesInput = z.object({ search: paginationQuery.search, ...tacheListFilters });
/** Per statut (every statut, board order). */
export const tacheColonneOutput = z.object({
  statut: z.enum(TACHE_STATUTS),
  nombre: z.number().int(),
  enRetard: z.number().int(),
});
export type TacheColonneOut = z.infer<typeof tacheColonneOutput>;
