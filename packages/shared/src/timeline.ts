import { z } from 'zod';
import { ACTIVITE_TYPES, EVENEMENT_TYPES } from './choicesMemory.js';
import { id, timestamp } from './common.js';

export const timelineInput = z.object({
  id,
  /** Opaque cursor from the previous page's `next`. */
  cursor: z
    .string({ error: 'err.cursor' })
    .max(200, 'err.cursor')
    .describe('Curseur opaque : `next` de la page précédente')
    .optional(),
  pageSize: z
    .number({ error: 'err.page_size' })
    .int('err.page_size')
    .min(1, 'err.page_size')
    .max(100, 'err.page_size')
    .default(25)
    .describe('Taille de page (25 par défaut, 100 au plus)'),
});

export const timelineItem = z.object({
  /** `activite`: something a user wrote down; `evenement`: something the CRM recorded. */
  kind: z.enum(['activite', 'evenement']),
  id: z.number().int(),
  type: z.union([z.enum(ACTIVITE_TYPES), z.enum(EVENEMENT_TYPES)]),
  date: timestamp,
  auteur: z.number().int().nullable(),
  auteurNom: z.string().nullable(),
  /** French one-line summary. */
  resume: z.string(),
  client: z.number().int(),
  opportunite: z.number().int().nullable(),
  /** Activities only: subject, text and its sanitized HTML. */
  sujet: z.string().nullable(),
  contenu: z.string().nullable(),
  contenuHtml: z.string().nullable(),
  /** Events only: what changed (e.g. `{ de, vers }` for a stage change). */
  donnees: z.record(z.string(), z.unknown()).nullable(),
});
export const timelinePage = z.object({ results: z.array(timelineItem), next: z.string().nullable() });
export type TimelineItem = z.infer<typeof timelineItem>;
export type TimelinePage = z.infer<typeof timelinePage>;
