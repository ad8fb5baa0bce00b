import { z } from 'zod';
import { ETAPES, PROJET_STATUTS, RESULTATS, TACHE_PRIORITES, TACHE_STATUTS } from './choices.js';
import { choice, cleanString, id, isoDate, optionalText, requiredText } from './common.js';
import { clientListFilters } from './clients.js';
import { opportuniteListFilters } from './opportunites.js';
import { projetListFilters } from './projets.js';
import { tacheListFilters } from './taches.js';

/**
 * Bulk actions (`POST /api/<resource>/lot/`): the rows are either `ids` (at most 1000) or
 * `filtres` (« all matching »: the list's filters and `search`, in their query-string form),
 * never both. One transaction per action; the answer counts what changed and what was refused.
 */
export const LOT_MAX_IDS = 1000;

/** JSON `true`/`false` accepted where the list takes the query-string form. */
const asQueryForm = (v: unknown) =>
  v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'boolean' ? String(x) : x]))
    : v;
const filtres = (shape: z.ZodRawShape) =>
  z
    .preprocess(
      asQueryForm,
      z.object(
        { search: cleanString().trim().max(200, 'err.too_long').optional(), ...shape },
        { error: 'err.invalid' },
      ),
    )
    .optional();

/** The tâche added to each row by `ajouter_tache`. */
export const lotTacheInput = z.object({
  titre: requiredText(200),
  description: optionalText().default(''),
  priorite: choice(TACHE_PRIORITES),
  dateEcheance: isoDate,
  /** Absent → the caller; null → unassigned. */
  assigneA: id.nullable().optional(),
});

function lotInput<A extends readonly [string, ...string[]], S extends z.ZodRawShape>(
  actions: A,
  filterShape: z.ZodRawShape,
  fields: S,
  needs: Partial<Record<A[number], string>>,
) {
  return z
    .object({
      ids: z.array(id, { error: 'err.invalid' }).min(1, 'err.required').max(LOT_MAX_IDS, 'err.too_long').optional(),
      filtres: filtres(filterShape),
      action: choice(actions),
      ...fields,
    })
    .superRefine((v: any, ctx) => {
      if ((v.ids === undefined) === (v.filtres === undefined))
        ctx.addIssue({ code: 'custom', path: ['ids'], message: 'err.lot_cible' });
      const field = needs[v.action as A[number]];
      if (field && v[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'err.required' });
    });
}

export const clientLotInput = lotInput(
  ['reassigner', 'ajouter_tache', 'supprimer'] as const,
  clientListFilters,
  {
    responsable: id.optional(),
    tache: lotTacheInput.optional(),
    cascade: z.boolean({ error: 'err.boolean' }).optional(),
  },
  { reassigner: 'responsable', ajouter_tache: 'tache' },
);

export const opportuniteLotInput = lotInput(
  ['reassigner', 'changer_etape', 'ajouter_tache', 'supprimer'] as const,
  opportuniteListFilters,
  {
    responsable: id.optional(),
    etape: choice(ETAPES).optional(),
    /** Required when `etape` is `conclusion`. */
    resultat: choice(RESULTATS).optional(),
    tache: lotTacheInput.optional(),
  },
  { reassigner: 'responsable', changer_etape: 'etape', ajouter_tache: 'tache' },
);

export const projetLotInput = lotInput(
  ['changer_statut', 'ajouter_tache', 'supprimer'] as const,
  projetListFilters,
  {
    statut: choice(PROJET_STATUTS).optional(),
    tache: lotTacheInput.optional(),
  },
  { changer_statut: 'statut', ajouter_tache: 'tache' },
);

export const tacheLotInput = lotInput(
  ['reassigner', 'changer_statut', 'changer_priorite', 'supprimer'] as const,
  tacheListFilters,
  {
    assigneA: id.nullable().optional(),
    statut: choice(TACHE_STATUTS).optional(),
    priorite: choice(TACHE_PRIORITES).optional(),
  },
  { reassigner: 'assigneA', changer_statut: 'statut', changer_priorite: 'priorite' },
);

export const LOT_RAISONS = ['introuvable', 'a_des_dependances', 'resultat_requis'] as const;

export const lotOutput = z.object({
  action: z.string(),
  /** Rows targeted (ids given, or rows matching the filters). */
  demandes: z.number().int(),
  /** Rows changed (or created for ajouter_tache, deleted for supprimer). */
  modifies: z.number().int(),
  /** Rows that already had the requested value. */
  inchanges: z.number().int(),
  refuses: z.number().int(),
  /** Why each refused row was refused: `introuvable` (missing or not visible), `a_des_dependances` (same 409 rule as a single delete). */
  refus: z.array(z.object({ id: z.number().int(), raison: z.enum(LOT_RAISONS), message: z.string() })),
});
export type LotOut = z.infer<typeof lotOutput>;
