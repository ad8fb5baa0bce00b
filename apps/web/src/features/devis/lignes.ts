import { computeDevisTotals, DEFAULT_TVA } from '@crm/shared/labels';
import type { DevisLigneIn } from '@crm/shared';
import { parseDecimal } from '../../lib/format';

/** A devis line as typed in the editor (strings, French decimals). */
export interface LigneDraft {
  key: number;
  designation: string;
  quantite: string;
  prixUnitaire: string;
  tauxTva: string;
}

let nextKey = 1;
export const newLigne = (l: Partial<Omit<LigneDraft, 'key'>> = {}): LigneDraft => ({
  key: nextKey++,
  designation: '',
  quantite: '1',
  prixUnitaire: '',
  tauxTva: String(DEFAULT_TVA),
  ...l,
});

const decimalText = (n: number) => String(n).replace('.', ',');
export const draftOf = (l: DevisLigneIn): LigneDraft =>
  newLigne({
    designation: l.designation,
    quantite: decimalText(l.quantite),
    prixUnitaire: decimalText(l.prixUnitaire),
    tauxTva: decimalText(l.tauxTva),
  });

/** The numbers of a draft line, or null for a number that does not parse (its total is not counted). */
export function parseLigne(d: LigneDraft): DevisLigneIn | null {
  const quantite = parseDecimal(d.quantite);
  const prixUnitaire = parseDecimal(d.prixUnitaire);
  const tauxTva = parseDecimal(d.tauxTva);
  if ([quantite, prixUnitaire, tauxTva].some((n) => n === null || Number.isNaN(n))) return null;
  return { designation: d.designation.trim(), quantite: quantite!, prixUnitaire: prixUnitaire!, tauxTva: tauxTva! };
}

export interface Totals {
  htCents: number;
  tvaCents: number;
  ttcCents: number;
}

/** Live totals of the editor, with the shared (exact, per-line rounded) computation of the API. */
export function draftTotals(drafts: LigneDraft[], montantSansLignes: string): Totals {
  if (drafts.length === 0) {
    const m = parseDecimal(montantSansLignes);
    const htCents = m == null || Number.isNaN(m) ? 0 : Math.round(m * 100);
    const { tvaCents } = computeDevisTotals([
      { designation: '-', quantite: 1, prixUnitaire: htCents / 100, tauxTva: DEFAULT_TVA },
    ]);
    return { htCents, tvaCents, ttcCents: htCents + tvaCents };
  }
  const valid = drafts.map(parseLigne).filter((l): l is DevisLigneIn => l !== null);
  const { montantCents, tvaCents } = computeDevisTotals(valid);
  return { htCents: montantCents, tvaCents, ttcCents: montantCents + tvaCents };
}

/** Line total HT in cents (null when the line does not parse). */
export function ligneHtCents(d: LigneDraft): number | null {
  const l = parseLigne(d);
  return l ? computeDevisTotals([l]).montantCents : null;
}
