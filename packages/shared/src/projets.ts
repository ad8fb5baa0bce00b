import { z } from 'zod';
import { PROJET_STATUTS } from './choices.js';
import { choice, id, isoDate, money, optionalText, orderingParam, paginationQuery, partialOf, queryBool, requiredText, timestamp } from './common.js';

export const PROJET_ORDERING = ['titre', 'dateDebut', 'dateFin', 'budget', 'dateCreation'] as const;

export const projetFields = {
  titre: requiredText(200),
  description: optionalText().default(''),
  statut: choice(PROJET_STATUTS).default('a_faire'),
  dateDebut: isoDate.nullable().default(null),
  dateFin: isoDate.nullable().default(null),
  budget: money.nullable().default(null),
  devisAssocie: id.nullable().default(null),
  client: id,
};

/** dateFin must be strictly after dateDebut (also a DB check constraint). */
export function dateFinAfterDebut(dateDebut: string | null | undefined, dateFin: string | null | undefined): boolean {
  return !dateDebut || !dateFin || dateFin > dateDebut;
}
const checkDates = (v: { dateDebut?: string | null; dateFin?: string | null }, ctx: z.RefinementCtx) => {
  if (!dateFinAfterDebut(v.dateDebut, v.dateFin)) ctx.addIssue({ code: 'custom', path: ['dateFin'], message: 'err.date_fin_order' });
};

export const projetCreateInput = z.object(projetFields).superRefine(checkDates);
export const projetUpdateInput = z.object({ id, ...projetFields }).superRefine(checkDates);
export const projetPatchInput = z.object({ id, ...partialOf(projetFields) });

export const projetListFilters = {
  statut: choice(PROJET_STATUTS).optional(),
  client: id.optional(),
  enRetard: queryBool.optional(),
};
export const projetListInput = z.object({ ...paginationQuery, ordering: orderingParam(PROJET_ORDERING), ...projetListFilters });
/** `GET /clients/{id}/projets/`: the same filters, under a parent client. */
export const projetSubListInput = projetListInput.extend({ id });

export const projetOutput = z.object({
  id: z.number().int(),
  titre: z.string(),
  description: z.string(),
  statut: z.enum(PROJET_STATUTS),
  dateDebut: z.string().nullable(),
  dateFin: z.string().nullable(),
  budget: z.number().nullable(),
  devisAssocie: z.number().int().nullable(),
  client: z.number().int(),
  clientNom: z.string(),
  duree: z.number().int().nullable(),
  enRetard: z.boolean(),
  dateCreation: timestamp,
  dateModification: timestamp,
});
export type ProjetOut = z.infer<typeof projetOutput>;
