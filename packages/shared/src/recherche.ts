import { z } from 'zod';
import { cleanString } from './common.js';

/** Global search (`GET /api/recherche/?q=`): hits grouped by type, a few per type. */
export const RECHERCHE_TYPES = ['clients', 'contacts', 'opportunites', 'projets', 'taches', 'devis'] as const;
export type RechercheType = (typeof RECHERCHE_TYPES)[number];

export const RECHERCHE_LABELS: Record<RechercheType, string> = {
  clients: 'Clients',
  contacts: 'Contacts',
  opportunites: 'Opportunités',
  projets: 'Projets',
  taches: 'Tâches',
  devis: 'Devis',
};

/** Below this many characters a text search would match nearly everything: only ids / numbers are looked up. */
export const RECHERCHE_MIN_LENGTH = 3;

export const rechercheInput = z.object({
  q: cleanString({ error: 'err.required' }).trim().min(1, 'err.blank').max(100, 'err.too_long').describe('Texte cherché (insensible à la casse et aux accents)'),
  limite: z.number({ error: 'err.integer' }).int('err.integer').min(1, 'err.integer').max(20, 'err.integer').default(5).describe('Résultats par type (5 par défaut, 20 au plus)'),
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
