import { z } from 'zod';
import { PROJET_STATUTS } from './choices.js';
import { clientOutput } from './clients.js';
import { queryBool } from './common.js';
import { opportuniteOutput } from './opportunites.js';
import { projetOutput } from './projets.js';
import { tacheOutput } from './taches.js';

/** Dashboard endpoints (contract, "Dashboard"): everything is scoped to what the caller may see. */

export const DASHBOARD_LIMIT_DEFAULT = 5;
export const DASHBOARD_LIMIT_MAX = 50;

/** `?limit=` of the dashboard lists: default 5, 1..50, above → 400. */
export const dashboardLimitInput = z.object({
  limit: z
    .number({ error: 'err.limit' })
    .int('err.limit')
    .min(1, 'err.limit')
    .max(DASHBOARD_LIMIT_MAX, 'err.limit')
    .default(DASHBOARD_LIMIT_DEFAULT)
    .describe('Nombre de résultats (5 par défaut, 50 au plus)'),
});
export const tachesAVenirInput = dashboardLimitInput.extend({
  mine: queryBool.describe("Seulement les tâches assignées à l'appelant").optional(),
});

export const dashboardStatsOutput = z.object({
  totalClients: z.number().int(),
  totalProjets: z.number().int(),
  projetsParStatut: z.object(
    Object.fromEntries(PROJET_STATUTS.map((s) => [s, z.number().int()])) as Record<
      (typeof PROJET_STATUTS)[number],
      z.ZodNumber
    >,
  ),
  totalOpportunites: z.number().int(),
  /** Not at `conclusion`. */
  opportunitesOuvertes: z.number().int(),
  /** Σ montant of open opportunities. */
  montantPipeline: z.number(),
  /** Σ valeurPonderee (montant × probabilite / 100, to the cent) of open opportunities. */
  montantPondere: z.number(),
  totalTaches: z.number().int(),
  tachesEnRetard: z.number().int(),
  /** Devis sent and awaiting the client's answer (`envoye` or `consulte`). */
  devisEnAttente: z.number().int(),
});
export type DashboardStats = z.infer<typeof dashboardStatsOutput>;

export const projetsRecentsOutput = z.array(projetOutput);
export const clientsRecentsOutput = z.array(clientOutput);
export const opportunitesActivesOutput = z.array(opportuniteOutput);
export const tachesAVenirOutput = z.array(tacheOutput);

export const performanceMoisOutput = z.object({
  mois: z.string().describe('YYYY-MM'),
  gagnees: z.number().int(),
  perdues: z.number().int(),
  montantGagne: z.number(),
});
export const dashboardPerformanceOutput = z.object({
  /** gagnees / (gagnees + perdues), 0..1 rounded to 4 decimals; 0 when none closed. */
  tauxConversion: z.number(),
  nbGagnees: z.number().int(),
  nbPerdues: z.number().int(),
  montantGagne: z.number(),
  /** Mean days from creation to conclusion of won opportunities (1 decimal); 0 when none won. */
  cycleVenteMoyenJours: z.number(),
  /** The last 12 calendar months (UTC), oldest first, months without conclusions included. */
  parMois: z.array(performanceMoisOutput),
});
export type DashboardPerformance = z.infer<typeof dashboardPerformanceOutput>;
