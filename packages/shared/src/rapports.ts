import { z } from 'zod';
import { ETAPES, PROJET_STATUTS } from './choices.js';
import { clientListFilters } from './clients.js';
import { choice, id, isoDate } from './common.js';
import { EXPORT_FORMATS, RAPPORTS, type Rapport } from './rapportsChoices.js';
import { opportuniteListFilters } from './opportunites.js';
import { projetListFilters } from './projets.js';

/** Reports (contract, "Reports"): JSON aggregates scoped by role, and their CSV / XLSX / PDF exports. */

/** dateDebut / dateFin: inclusive calendar dates (UTC) on dateCreation. */
const periode = {
  dateDebut: isoDate.describe('Créés à partir de ce jour (inclus)').optional(),
  dateFin: isoDate.describe("Créés jusqu'à ce jour (inclus)").optional(),
};
const periodeOrder = (v: { dateDebut?: string; dateFin?: string }, ctx: z.RefinementCtx) => {
  if (v.dateDebut && v.dateFin && v.dateFin < v.dateDebut)
    ctx.addIssue({ code: 'custom', path: ['dateFin'], message: 'err.date_fin_order' });
};

export const rapportClientsInput = z.object({ ...periode, ...clientListFilters }).superRefine(periodeOrder);
export const rapportProjetsInput = z.object({ ...periode, ...projetListFilters }).superRefine(periodeOrder);
export const rapportOpportunitesInput = z.object({ ...periode, ...opportuniteListFilters }).superRefine(periodeOrder);
export const rapportPipelineInput = rapportOpportunitesInput;
export const rapportPerformancesInput = z
  .object({
    ...periode,
    client: id.describe('Id du client').optional(),
    responsable: id.describe('Id du commercial').optional(),
  })
  .superRefine(periodeOrder);

export const RAPPORT_INPUTS = {
  clients: rapportClientsInput,
  projets: rapportProjetsInput,
  opportunites: rapportOpportunitesInput,
  pipeline: rapportPipelineInput,
  performances: rapportPerformancesInput,
} as const satisfies Record<Rapport, z.ZodType>;
export type RapportFiltres<R extends Rapport> = z.infer<(typeof RAPPORT_INPUTS)[R]>;

const int = z.number().int();
const mois = z.string().describe('YYYY-MM');

export const rapportClientsOutput = z.object({
  total: int,
  /** Σ montant of won opportunities of these clients. */
  valeurTotale: z.number(),
  /** Σ valeurPonderee of their open opportunities. */
  pipelinePondere: z.number(),
  parCategorie: z.array(z.object({ categorie: z.string(), nombre: int, valeurClient: z.number() })),
  parResponsable: z.array(
    z.object({
      responsable: int.nullable(),
      responsableNom: z.string().nullable(),
      nombre: int,
      valeurClient: z.number(),
    }),
  ),
  parMois: z.array(z.object({ mois, nombre: int })),
});
export type RapportClients = z.infer<typeof rapportClientsOutput>;

export const rapportProjetsOutput = z.object({
  total: int,
  budgetTotal: z.number(),
  enRetard: int,
  parStatut: z.array(z.object({ statut: z.enum(PROJET_STATUTS), nombre: int, budget: z.number() })),
  parMois: z.array(z.object({ mois, nombre: int, budget: z.number() })),
});
export type RapportProjets = z.infer<typeof rapportProjetsOutput>;

export const rapportOpportunitesOutput = z.object({
  total: int,
  montantTotal: z.number(),
  /** Σ valeurPonderee of the open ones (not at conclusion). */
  montantPondere: z.number(),
  gagnees: int,
  perdues: int,
  /** gagnees / (gagnees + perdues), 0..1 rounded to 4 decimals; 0 when none closed. */
  tauxConversion: z.number(),
  montantGagne: z.number(),
  parEtape: z.array(z.object({ etape: z.enum(ETAPES), nombre: int, montant: z.number() })),
  parMois: z.array(z.object({ mois, nombre: int, montant: z.number() })),
});
export type RapportOpportunites = z.infer<typeof rapportOpportunitesOutput>;

/** One row per stage, all five stages in pipeline order. */
export const rapportPipelineOutput = z.array(
  z.object({ etape: z.enum(ETAPES), nombre: int, montant: z.number(), montantPondere: z.number() }),
);
export type RapportPipeline = z.infer<typeof rapportPipelineOutput>;

/** One row per responsable (opportunities) / assignee (taches). */
export const rapportPerformancesOutput = z.array(
  z.object({
    user: int,
    userNom: z.string(),
    gagnees: int,
    perdues: int,
    tauxConversion: z.number(),
    montantGagne: z.number(),
    tachesTerminees: int,
    tachesEnRetard: int,
  }),
);
export type RapportPerformances = z.infer<typeof rapportPerformancesOutput>;

/** Body of POST /api/rapports/export/; `filtres` are checked against the chosen report's filters. */
export const rapportExportInput = z.object({
  rapport: choice(RAPPORTS),
  format: choice(EXPORT_FORMATS),
  filtres: z.record(z.string(), z.unknown(), { error: 'err.invalid' }).default({}),
});
export type RapportExportInput = z.infer<typeof rapportExportInput>;
