import { describe, expect, it } from 'vitest';
import { draftTotals, ligneHtCents, newLigne, parseLigne } from './lignes';

describe('devis editor totals', () => {
  it('sums lines exactly, VAT rounded per line (the API computation)', () => {
    const lignes = [
      newLigne({ designation: 'Mobilier', quantite: '2', prixUnitaire: '1 234,50', tauxTva: '20' }),
      newLigne({ designation: 'Pose', quantite: '1,5', prixUnitaire: '80', tauxTva: '10' }),
    ];
    expect(draftTotals(lignes, '')).toEqual({ htCents: 258900, tvaCents: 50580, ttcCents: 309480 });
    expect(ligneHtCents(lignes[1])).toBe(12000);
  });
  it('does not count a line that does not parse yet', () => {
    const lignes = [newLigne({ quantite: '3', prixUnitaire: '0,10' }), newLigne({ quantite: 'x', prixUnitaire: '5' })];
    expect(draftTotals(lignes, '').htCents).toBe(30);
    expect(parseLigne(lignes[1])).toBeNull();
    expect(ligneHtCents(lignes[1])).toBeNull();
  });
  it('uses the montant field and the default VAT without lines', () => {
    expect(draftTotals([], '100')).toEqual({ htCents: 10000, tvaCents: 2000, ttcCents: 12000 });
    expect(draftTotals([], '')).toEqual({ htCents: 0, tvaCents: 0, ttcCents: 0 });
  });
});
