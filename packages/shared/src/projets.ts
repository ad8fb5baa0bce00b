import { z } from 'zod';
import { PROJET_STATUTS } from './choices.js';
import {
  choice,
  id,
  idOut,
  dateOut,
  isoDate,
  money,
  optionalText,
  orderingParam,
  paginationQuery,
  partialOf,
  queryBool,
  requiredText,
  timestamp,
} from './common.js';

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
  if (!dateFinAfterDebut(v.dateDebut, v.dateFin))
    ctx.addIssue({ code: 'custom', path: ['dateFin'], message: 'err.date_fin_order' });
};

export const projetCreateInput = z
  .object(projetFields)
  .superRefine(checkDates)
  .meta({ id: 'ProjetCreate', description: 'Nouveau projet' });
export const projetUpdateInput = z
  .object({ id, ...projetFields })
  .superRefine(checkDates)
  .meta({ id: 'ProjetUpdate', description: 'Projet complet (PUT)' });
export const projetPatchInput = z
  .object({ id, ...partialOf(projetFields) })
  .meta({ id: 'ProjetPatch', description: 'Champs du projet à modifier (PATCH)' });

export const projetListFilters = {
  statut: choice(PROJET_STATUTS).describe('Statut exact').optional(),
  client: id.describe('Id du client').optional(),
  enRetard: queryBool.describe('En retard (dateFin passée, non terminé)').optional(),
};
export const projetListInput = z.object({
  ...paginationQuery,
  ordering: orderingParam(PROJET_ORDERING),
  ...projetListFilters,
});
/** `GET /clients/{id}/projets/`: the same filters, under a parent client. */
export const projetSubListInput = projetListInput.extend({ id });

export const projetOutput = z
  .object({
    id: idOut,
    titre: z.string(),
    description: z.string(),
    statut: z.enum(PROJET_STATUTS),
    dateDebut: dateOut.nullable(),
    dateFin: dateOut.nullable(),
    budget: z.number().nullable(),
    devisAssocie: idOut.nullable(),
    client: idOut,
    clientNom: z.string(),
    duree: z.number().int().nullable().describe('Jours de dateDebut à dateFin'),
    enRetard: z.boolean(),
    dateCreation: timestamp,
    dateModification: timestamp,
  })
  .meta({
    id: 'Projet',
    description: 'Projet',
    examples: [
      {
        id: 7,
        titre: 'Refonte du site',
        description: '',
        statut: 'en_cours',
        dateDebut: '2026-02-01',
        dateFin: '2026-04-30',
        budget: 12000,
        devisAssocie: null,
        client: 12,
        clientNom: 'Dupont',
        duree: 88,
        enRetard: false,
        dateCreation: '2026-01-20T09:00:00Z',
        dateModification: '2026-02-02T14:00:00Z',
      },
    ],
  });
export type ProjetOut = z.infer<typeof projetOutput>;
