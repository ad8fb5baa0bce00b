import type { DevisLigneIn } from './devis.js';

/** Devis money math, shared by the API and the editor's live totals (no zod: see labels.ts). */

/** VAT rate applied to a devis without lines (French standard rate). */
export const DEFAULT_TVA = 20;

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
