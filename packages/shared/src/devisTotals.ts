/** Devis money math, shared by the API and the editor's live totals (no zod: see labels.ts). */

/** VAT rate applied to a devis without lines (French standard rate). */
export const DEFAULT_TVA = 20;

/** What the totals read of a devis line (structurally a `DevisLigneIn`; no import of the zod schemas). */
export interface DevisLigneMontants {
  quantite: number;
  prixUnitaire: number;
  tauxTva: number;
}

/** Totals in integer cents: montant = Σ quantite × prixUnitaire (HT), TVA rounded per line. */
export function computeDevisTotals<L extends DevisLigneMontants>(
  lignes: readonly L[],
): { montantCents: number; tvaCents: number } {
  let montantCents = 0;
  let tvaCents = 0;
  for (const l of lignes) {
    const lineCents = Math.round(l.quantite * Math.round(l.prixUnitaire * 100));
    montantCents += lineCents;
    tvaCents += Math.round((lineCents * Math.round(l.tauxTva * 100)) / 10_000);
  }
  return { montantCents, tvaCents };
}
