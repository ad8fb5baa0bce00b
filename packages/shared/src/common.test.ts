import { describe, expect, it } from 'vitest';
import { clientCreateInput, computeDevisTotals, normalizePhone, projetCreateInput, money, nextEtape } from './index.js';

describe('shared schemas', () => {
  it('normalizes French phone numbers to E.164 and rejects garbage', () => {
    expect(normalizePhone('01 23 45 67 89')).toBe('+33123456789');
    expect(normalizePhone('+33 6 12 34 56 78')).toBe('+33612345678');
    expect(normalizePhone('12')).toBeNull();
  });
  it('requires nom and lowercases email', () => {
    const bad = clientCreateInput.safeParse({});
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.find((i) => i.path[0] === 'nom')?.message).toBe('err.required');
    expect(clientCreateInput.parse({ nom: 'A', email: 'X@Y.FR' }).email).toBe('x@y.fr');
  });
  it('rejects more than 2 decimals and a dateFin before dateDebut', () => {
    expect(money.safeParse(1.005).success).toBe(false);
    expect(money.safeParse(1.05).success).toBe(true);
    // However close to 2 decimals, more is refused, never rounded.
    expect(money.safeParse(12.34999999999).success).toBe(false);
    for (const ok of [0.1, 0.3, 12.34, 19.99, 999_999_999_999.99]) expect(money.safeParse(ok).success).toBe(true);
    const r = projetCreateInput.safeParse({ titre: 't', client: 1, dateDebut: '2026-02-01', dateFin: '2026-01-31' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].path).toEqual(['dateFin']);
  });
  it('computes devis totals in exact cents', () => {
    expect(
      computeDevisTotals([
        { designation: 'a', quantite: 3, prixUnitaire: 0.1, tauxTva: 20 },
        { designation: 'b', quantite: 1.5, prixUnitaire: 19.99, tauxTva: 5.5 },
      ]),
    ).toEqual({ montantCents: 30 + 2999, tvaCents: 6 + 165 });
    expect(nextEtape('negociation')).toBe('conclusion');
    expect(nextEtape('conclusion')).toBeNull();
  });
});
