import { z } from 'zod';
import { COURRIEL_STATUTS } from './choices.js';
import { choice, id, paginationQuery, timestamp } from './common.js';

/** Outgoing e-mails (outbox), admin only: `GET /api/courriels/`, `GET /api/courriels/{id}/`. */
export const courrielListInput = z.object({
  ...paginationQuery,
  statut: choice(COURRIEL_STATUTS).describe('État de livraison : en_attente, envoye ou echec').optional(),
  devis: id.describe('Seulement les courriels de ce devis').optional(),
});

export const courrielOutput = z.object({
  id: z.number().int(),
  destinataire: z.string(),
  sujet: z.string(),
  statut: z.enum(COURRIEL_STATUTS),
  tentatives: z.number().int(),
  prochaineTentative: timestamp.nullable(),
  derniereErreur: z.string().nullable(),
  devis: z.number().int().nullable(),
  expediteur: z.number().int().nullable(),
  expediteurNom: z.string().nullable(),
  dateCreation: timestamp,
  dateEnvoi: timestamp.nullable(),
});
export type CourrielOut = z.infer<typeof courrielOutput>;

export const courrielDetailOutput = courrielOutput.extend({
  repondreA: z.string().nullable(),
  corpsTexte: z.string(),
  corpsHtml: z.string().nullable(),
  piecesJointes: z.array(
    z.object({ id: z.number().int(), nom: z.string(), type: z.string(), taille: z.number().int(), url: z.string() }),
  ),
});
export type CourrielDetailOut = z.infer<typeof courrielDetailOutput>;
