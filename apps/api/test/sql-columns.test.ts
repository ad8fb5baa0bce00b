import { describe, expect, it } from 'vitest';
import { columns } from '../src/lib/sql/columns.js';

describe('columns(): one map drives the select list and the row mapping', () => {
  interface Out {
    id: number;
    fin: string | null;
    enRetard: boolean;
    montant: number;
  }
  const c = columns<Out>({
    id: 'p.id',
    fin: { sql: 'p.date_fin', read: (v: string | null) => v },
    enRetard: { derive: (o) => o.fin !== null && o.fin < '2026-06-01' },
    montant: { sql: 'p.montant', read: Number },
  });

  it('selects each non-derived field once, aliased to its name', () => {
    expect(c.select).toBe('p.id as "id", p.date_fin as "fin", p.montant as "montant"');
  });

  it('maps a row in the map order, derived fields computed from the read ones', () => {
    const out = c.map({ id: 3, fin: '2026-01-01', montant: '12.50', other: 'left out' });
    expect(out).toEqual({ id: 3, fin: '2026-01-01', enRetard: true, montant: 12.5 });
    expect(Object.keys(out)).toEqual(['id', 'fin', 'enRetard', 'montant']);
    expect(c.map({ id: 4, fin: null, montant: '0' }).enRetard).toBe(false);
  });

  it('refuses a field name that is not a plain identifier', () => {
    expect(() => columns<{ 'a"b': number }>({ 'a"b': 'x' })).toThrow(/plain field name/);
  });
});
