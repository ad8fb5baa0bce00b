import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { columns } from '../src/lib/sql/columns.js';
import { ISO_UTC, today } from '../src/lib/sql/values.js';
import { startTestApp, type TestApp } from './helpers.js';

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

describe('timestamps formatted by PostgreSQL (ISO_UTC) read exactly as Date.prototype.toISOString() would', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('for any microseconds and offsets', async () => {
    const values = [
      '2026-01-02 03:04:05.678999+00',
      '2026-12-31 23:59:59.9999995+00',
      '2024-02-29 00:00:00+01',
      '1999-12-31 23:59:59.001+00',
      '2026-07-14 12:00:00.5+02',
    ];
    const rows = await t.sql(`select v::text as raw, ${ISO_UTC('v')} as iso from unnest(?::timestamptz[]) v`, [
      `{${values.map((v) => `"${v}"`).join(',')}}`,
    ]);
    expect(rows).toHaveLength(values.length);
    for (const r of rows) {
      // What pg's type parser gives for the value (a Date to the millisecond), then toISOString.
      const parsed = pg.types.getTypeParser(1184, 'text')(r.raw) as Date;
      expect(r.iso).toBe(parsed.toISOString());
    }
  });

  it('in the lists of tâches, opportunités, devis and projets (their creation dates carry microseconds)', async () => {
    await t.user('iso-admin', 'admin');
    const admin = await t.as('iso-admin');
    const client = (await admin.post('/clients/', { nom: 'Horodatage' })).json().id;
    const created = async (path: string, body: Record<string, unknown>): Promise<number> => {
      const res = await admin.post(path, body);
      expect(res.statusCode, `${path} ${res.body}`).toBe(201);
      return res.json().id;
    };
    const opp = await created('/opportunites/', { nom: 'Affaire', client, montant: 100 });
    const projet = await created('/projets/', { titre: 'Chantier', client });
    const tache = await created('/taches/', {
      titre: 'Appeler',
      priorite: 'moyenne',
      client,
      dateEcheance: '2030-01-01',
    });
    const devis = await created('/devis/', { opportunite: opp, montant: 100 });
    const stamp = '2026-03-04 05:06:07.891234+00';
    for (const [table, id] of [
      ['opportunites', opp],
      ['projets', projet],
      ['taches', tache],
      ['devis', devis],
    ] as const)
      await t.sql(`update ${table} set date_creation = ?::timestamptz where id = ?`, [stamp, id]);
    for (const path of ['/opportunites/', '/projets/', '/taches/', '/devis/']) {
      const res = await admin.get(path);
      expect(res.statusCode, path).toBe(200);
      expect(
        res.json().results.map((r: { dateCreation: string }) => r.dateCreation),
        path,
      ).toEqual(['2026-03-04T05:06:07.891Z']);
    }
  });
});

describe('today(): the UTC calendar day, kept while the clock stays in it', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('changes at UTC midnight, and follows the clock backwards too', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-05-31T23:59:59.999Z'));
    expect(today()).toBe('2026-05-31');
    vi.setSystemTime(new Date('2026-06-01T00:00:00.000Z'));
    expect(today()).toBe('2026-06-01');
    vi.setSystemTime(new Date('2026-06-01T23:00:00.000+02:00'));
    expect(today()).toBe('2026-06-01');
    vi.setSystemTime(new Date('2026-05-30T12:00:00.000Z'));
    expect(today()).toBe('2026-05-30');
    vi.setSystemTime(new Date('1969-12-31T12:00:00.000Z'));
    expect(today()).toBe('1969-12-31');
  });
});
