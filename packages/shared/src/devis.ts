import { z } from 'zod';
import { COURRIEL_STATUTS, DEVIS_STATUTS } from './choices.js';
import { choice, hasAtMostTwoDecimals, id, MAX_MONEY_CENTS, money, optionalText, paginationQuery, partialOf, positiveMoney, requiredText, timestamp } from './common.js';

export const DEVIS_ORDERING = ['dateCreation', 'montant', 'version'] as const;
/** VAT rate applied to a devis without lines (French standard rate). */
export const DEFAULT_TVA = 20;

export const devisLigne = z.object({
  designation: requiredText(300),
  quantite: z.number({ error: 'err.invalid' }).positive('err.invalid').max(1_000_000, 'err.invalid')
    .refine((n) => Math.abs(n * 1000 - Math.round(n * 1000)) < 1e-6, 'err.invalid'),
  prixUnitaire: money,
  tauxTva: z.number({ error: 'err.invalid' }).min(0, 'err.invalid').max(100, 'err.invalid').refine(hasAtMostTwoDecimals, 'err.invalid'),
});
export type DevisLigneIn = z.infer<typeof devisLigne>;

export const devisFields = {
  opportunite: id,
  montant: positiveMoney.optional(),
  statut: choice(DEVIS_STATUTS).default('brouillon'),
  contenu: optionalText().default(''),
  lignes: z.array(devisLigne).max(500).nullable().optional(),
  /** Recipient of `envoyer`: a contact of the devis' client (else the client's own address). */
  contact: id.nullable().optional(),
};
/** Without lines, montant is required; with lines it is computed. */
const needsMontant = (v: { montant?: number; lignes?: DevisLigneIn[] | null }, ctx: z.RefinementCtx) => {
  if (v.montant === undefined && !v.lignes?.length) ctx.addIssue({ code: 'custom', path: ['montant'], message: 'err.required' });
};
/** Lines whose total (or its VAT) would not fit numeric(14,2): a 400 on `lignes`, not a database error. */
const totalsFit = (v: { lignes?: DevisLigneIn[] | null }, ctx: z.RefinementCtx) => {
  if (!v.lignes?.length) return;
  const { montantCents, tvaCents } = computeDevisTotals(v.lignes);
  if (montantCents > MAX_MONEY_CENTS || tvaCents > MAX_MONEY_CENTS) ctx.addIssue({ code: 'custom', path: ['lignes'], message: 'err.total_too_large' });
};
export const devisCreateInput = z.object(devisFields).superRefine(needsMontant).superRefine(totalsFit);
export const devisUpdateInput = z.object({ id, ...devisFields }).superRefine(needsMontant).superRefine(totalsFit);
export const devisPatchInput = z.object({ id, ...partialOf(devisFields) }).superRefine(totalsFit);

export const devisListFilters = {
  statut: choice(DEVIS_STATUTS).optional(),
  opportunite: id.optional(),
};
export const devisListInput = z.object({
  ...paginationQuery,
  ordering: z.enum(DEVIS_ORDERING.flatMap((f) => [f, `-${f}`]) as [string, ...string[]], { error: 'err.ordering' }).optional(),
  ...devisListFilters,
});
/** `GET /opportunites/{id}/devis/`: the same filters, under a parent opportunity. */
export const devisSubListInput = devisListInput.extend({ id });

/** Delivery of the devis' latest e-mail (outbox), or null when it was never sent. */
export const courrielSuivi = z.object({
  statut: z.enum(COURRIEL_STATUTS),
  tentatives: z.number().int(),
  derniereErreur: z.string().nullable(),
});

export const devisOutput = z.object({
  id: z.number().int(),
  numero: z.string().describe('D<année>-<5 chiffres>, commun aux versions (affiché « D2026-00007 v3 »)'),
  opportunite: z.number().int(),
  opportuniteNom: z.string(),
  client: z.number().int(),
  clientNom: z.string(),
  montant: z.number(),
  montantTva: z.number(),
  montantTtc: z.number(),
  statut: z.enum(DEVIS_STATUTS),
  version: z.number().int(),
  contenu: z.string(),
  lignes: z.array(devisLigne).nullable(),
  contact: z.number().int().nullable(),
  contactNom: z.string().nullable(),
  dateEnvoi: timestamp.nullable(),
  dateConsultation: timestamp.nullable(),
  dateReponse: timestamp.nullable(),
  signataire: z.string().nullable(),
  courriel: courrielSuivi.nullable(),
  dateCreation: timestamp,
  dateModification: timestamp,
});
export type DevisOut = z.infer<typeof devisOutput>;

/** Totals in integer cents: montant = Σ quantite × prixUnitaire (HT), TVA rounded per line. */
export function computeDevisTotals(lignes: DevisLigneIn[]): { montantCents: number; tvaCents: number } {
  let montantCents = 0;
  let tvaCents = 0;
  for (const l of lignes) {
    const lineCents = Math.round(l.quantite * Math.round(l.prixUnitaire * 100));
    montantCents += lineCents;
    tvaCents += Math.round((lineCents * Math.round(l.tauxTva * 100)) / 10_000);
  }
  return { montantCents, tvaCents };
}
