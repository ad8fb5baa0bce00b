import { z } from 'zod';
import { cleanString } from './common.js';
import { RECHERCHE_TYPES } from './rechercheChoices.js';

/** Global search (`GET /api/recherche/?q=`): hits grouped by type, a few per type (codes and labels: rechercheChoices.ts). */

export const rechercheInput = z.object({
  q: cleanString({ error: 'err.required' })
    .trim()
    .min(1, 'err.blank')
    .max(100, 'err.too_long')
    .describe('Texte cherché (insensible à la casse et aux accents)'),
  limite: z
    .number({ error: 'err.integer' })
    .int('err.integer')
    .min(1, 'err.integer')
    .max(20, 'err.integer')
    .default(5)
    .describe('Résultats par type (5 par défaut, 20 au plus)'),
});

export const rechercheHit = z.object({
  id: z.number().int(),
  titre: z.string(),
  sousTitre: z.string(),
  /** Creation timestamp (ISO 8601 UTC). */
  date: z.string(),
  /** A contact's client (type `contacts`: the contact is shown on its client's page). */
  client: z.number().int().optional().describe('Client du contact (résultats de type `contacts`)'),
});
export type RechercheHit = z.infer<typeof rechercheHit>;

export const rechercheOutput = z.object({
  q: z.string(),
  groupes: z.array(z.object({ type: z.enum(RECHERCHE_TYPES), libelle: z.string(), resultats: z.array(rechercheHit) })),
});
export type RechercheOut = z.infer<typeof rechercheOutput>;
