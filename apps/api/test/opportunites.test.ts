import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@crm/db';
import { DEMO_PASSWORD, seedDemo } from '../src/cli/seed-demo.js';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let aliceId: number;
let bobId: number;
let clientA: number; // alice's client
let clientB: number; // bob's client

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  await t.user('ancien', 'commercial', { isActive: false });
  [admin, manager, alice, bob] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice'), t.as('bob')]);
  clientA = (await alice.post('/clients/', { nom: 'Boulangerie Durand' })).json().id;
  clientB = (await bob.post('/clients/', { nom: 'Garage Lefèvre' })).json().id;
});
afterAll(async () => t?.close());

const create = (c: RestClient, body: Record<string, unknown>) => c.post('/opportunites/', { client: clientA, ...body });

/** Names of a kanban column, in position order (the keys must be strictly increasing: unique and ordered). */
async function column(etape: string): Promise<string[]> {
  const res = (await manager.get(`/opportunites/?etape=${etape}&ordering=position&pageSize=100`)).json();
  const keys: number[] = res.results.map((o: any) => o.position);
  for (let i = 1; i < keys.length; i++) expect(keys[i], `${etape} keys ${keys}`).toBeGreaterThan(keys[i - 1]);
  return res.results.map((o: any) => o.nom);
}

/** Every column of the whole table has unique, non-negative keys (sparse: not necessarily contiguous). */
async function expectUniqueKeys(): Promise<void> {
  const [row] = await t.sql(
    `select count(*)::int as dup from (select etape, position from opportunites group by 1, 2 having count(*) > 1) x`,
  );
  expect(row.dup).toBe(0);
  const [neg] = await t.sql(`select count(*)::int as n from opportunites where position < 0`);
  expect(neg.n).toBe(0);
}

describe('opportunites CRUD', () => {
  it('creates (201) with the creator as responsable and an exact valeurPonderee', async () => {
    const res = await create(alice, {
      nom: 'Fours pro',
      montant: 1234.56,
      probabilite: 33,
      dateConclusionEstimee: '2027-03-31',
      notes: 'Contact salon',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      nom: 'Fours pro',
      client: clientA,
      clientNom: 'Boulangerie Durand',
      responsable: aliceId,
      responsableNom: 'alice Test',
      montant: 1234.56,
      probabilite: 33,
      etape: 'prospect',
      resultat: null,
      valeurPonderee: 407.4,
      devisActif: null,
      dateConclusionEstimee: '2027-03-31',
    });
    // 0.10 × 50 % = 0.05 exactly; 333.33 × 33 % = 109.9989 → 110.00
    expect((await create(alice, { nom: 'Petit', montant: 0.1, probabilite: 50 })).json().valeurPonderee).toBe(0.05);
    expect((await create(alice, { nom: 'Arrondi', montant: 333.33, probabilite: 33 })).json().valeurPonderee).toBe(110);
  });

  it('validates: required fields, probabilite 0-100, 2 decimals, stage codes', async () => {
    const res = await alice.post('/opportunites/', {});
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json().fieldErrors).sort()).toEqual(['client', 'nom']);
    expect((await create(alice, { nom: 'x', probabilite: 101 })).json().fieldErrors.probabilite).toBeDefined();
    expect((await create(alice, { nom: 'x', probabilite: 12.5 })).statusCode).toBe(400);
    expect((await create(alice, { nom: 'x', montant: 1.005 })).json().fieldErrors.montant).toBeDefined();
    expect((await create(alice, { nom: 'x', montant: -1 })).statusCode).toBe(400);
    expect((await create(alice, { nom: 'x', etape: 'signature' })).json().fieldErrors.etape).toBeDefined();
  });

  it('refuses references that do not exist or that the caller may not see (400 on the field)', async () => {
    const other = await create(alice, { nom: 'x', client: clientB });
    expect(other.statusCode).toBe(400);
    expect(other.json().fieldErrors).toEqual({ client: ["L'objet référencé n'existe pas."] });
    expect((await create(alice, { nom: 'x', client: 999999 })).json().fieldErrors.client).toBeDefined();
    expect((await create(alice, { nom: 'x', responsable: 999999 })).json().fieldErrors.responsable).toBeDefined();
    const inactive = (await t.sql(`select id from users where username = 'ancien'`))[0].id;
    expect((await create(alice, { nom: 'x', responsable: inactive })).json().fieldErrors.responsable).toBeDefined();
    const forBob = await create(alice, { nom: 'Pour Bob', responsable: bobId });
    expect(forBob.statusCode).toBe(201);
    expect(forBob.json().responsable).toBe(bobId);
    expect((await manager.post('/opportunites/', { nom: 'm', client: clientB })).statusCode).toBe(201);
  });

  it('a result exists only at conclusion', async () => {
    const noResult = await create(alice, { nom: 'x', etape: 'conclusion' });
    expect(noResult.statusCode).toBe(400);
    expect(noResult.json().fieldErrors.resultat).toEqual([
      'Le résultat (gagnee ou perdue) est obligatoire pour passer en conclusion.',
    ]);
    expect(
      (await create(alice, { nom: 'x', etape: 'prospect', resultat: 'gagnee' })).json().fieldErrors.resultat,
    ).toBeDefined();
    const won = await create(alice, { nom: 'Gagnée direct', etape: 'conclusion', resultat: 'gagnee' });
    expect(won.statusCode).toBe(201);
    const [row] = await t.sql(`select date_conclusion from opportunites where id = ?`, [won.json().id]);
    expect(row.date_conclusion).not.toBeNull();
  });

  it('PUT replaces, PATCH updates partially; 404 for unknown ids', async () => {
    const o = (await create(alice, { nom: 'Vitrine', montant: 500, probabilite: 10, notes: 'n' })).json();
    const p = await alice.patch(`/opportunites/${o.id}/`, { probabilite: 60 });
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ nom: 'Vitrine', montant: 500, probabilite: 60, valeurPonderee: 300, notes: 'n' });
    const put = await alice.put(`/opportunites/${o.id}/`, { nom: 'Vitrine 2', client: clientA });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ nom: 'Vitrine 2', montant: 0, probabilite: 0, notes: '', responsable: aliceId });
    expect((await alice.put(`/opportunites/${o.id}/`, { nom: 'sans client' })).statusCode).toBe(400);
    expect((await alice.get('/opportunites/999999/')).statusCode).toBe(404);
    expect((await alice.patch('/opportunites/999999/', { nom: 'x' })).statusCode).toBe(404);
  });
});

describe('kanban moves', () => {
  let ids: Record<string, number>;
  const key = async (id: number) => (await manager.get(`/opportunites/${id}/`)).json().position as number;
  beforeAll(async () => {
    ids = {};
    // A fresh column: 'proposition' is not used by the other tests.
    for (const nom of ['A', 'B', 'C', 'D']) ids[nom] = (await create(alice, { nom, etape: 'proposition' })).json().id;
  });

  it('creates at the end of the column, or at the given placement; the others keep their keys', async () => {
    expect(await column('proposition')).toEqual(['A', 'B', 'C', 'D']);
    const before = await Promise.all(['A', 'B', 'C', 'D'].map((n) => key(ids[n])));
    ids.E = (await create(alice, { nom: 'E', etape: 'proposition', apres: ids.A })).json().id;
    expect(await column('proposition')).toEqual(['A', 'E', 'B', 'C', 'D']);
    ids.F = (await create(alice, { nom: 'F', etape: 'proposition', position: 2_000_000_000 })).json().id;
    expect(await column('proposition')).toEqual(['A', 'E', 'B', 'C', 'D', 'F']);
    ids.G = (await create(alice, { nom: 'G', etape: 'proposition', position: 0 })).json().id;
    expect(await column('proposition')).toEqual(['G', 'A', 'E', 'B', 'C', 'D', 'F']);
    expect(await Promise.all(['A', 'B', 'C', 'D'].map((n) => key(ids[n])))).toEqual(before);
  });

  it('moves within a column with avant, apres or position (the key of the card to go before)', async () => {
    const down = await alice.patch(`/opportunites/${ids.A}/`, { apres: ids.C });
    expect(down.statusCode).toBe(200);
    expect(await column('proposition')).toEqual(['G', 'E', 'B', 'C', 'A', 'D', 'F']);
    expect(down.json().position).toBe(await key(ids.A));
    await alice.patch(`/opportunites/${ids.F}/`, { avant: ids.E });
    expect(await column('proposition')).toEqual(['G', 'F', 'E', 'B', 'C', 'A', 'D']);
    // position P: just before the first other card whose key is >= P.
    await alice.patch(`/opportunites/${ids.G}/`, { position: await key(ids.C) });
    expect(await column('proposition')).toEqual(['F', 'E', 'B', 'G', 'C', 'A', 'D']);
    await alice.patch(`/opportunites/${ids.G}/`, { position: 0 });
    expect(await column('proposition')).toEqual(['G', 'F', 'E', 'B', 'C', 'A', 'D']);
    // Already in place: the key does not change.
    const k = await key(ids.B);
    expect((await alice.patch(`/opportunites/${ids.B}/`, { apres: ids.E })).json().position).toBe(k);
  });

  it('moves across columns to a place, or to the end when only etape changes', async () => {
    for (const nom of ['X', 'Y']) ids[nom] = (await create(alice, { nom, etape: 'negociation' })).json().id;
    const across = await alice.patch(`/opportunites/${ids.B}/`, { etape: 'negociation', avant: ids.Y });
    expect(across.json()).toMatchObject({ etape: 'negociation' });
    expect(await column('negociation')).toEqual(['X', 'B', 'Y']);
    expect(await column('proposition')).toEqual(['G', 'F', 'E', 'C', 'A', 'D']);
    await alice.patch(`/opportunites/${ids.E}/`, { etape: 'negociation' });
    expect(await column('negociation')).toEqual(['X', 'B', 'Y', 'E']);
    await alice.patch(`/opportunites/${ids.G}/`, { etape: 'negociation', position: 0 });
    expect(await column('negociation')).toEqual(['G', 'X', 'B', 'Y', 'E']);
    expect(await column('proposition')).toEqual(['F', 'C', 'A', 'D']);
    await expectUniqueKeys();
  });

  it('400 on the field for a card of another column, one the caller cannot see, the card itself, or two placements', async () => {
    const bobs = (await bob.post('/opportunites/', { nom: 'Chez Bob', client: clientB, etape: 'proposition' })).json()
      .id;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ avant: ids.X }, 'avant'], // X is in negociation
      [{ etape: 'negociation', apres: ids.A }, 'apres'], // A stays in proposition
      [{ apres: bobs }, 'apres'], // alice cannot see bob's card
      [{ avant: ids.C, position: 0 }, 'position'],
      [{ avant: 999_999 }, 'avant'],
    ];
    for (const [body, field] of cases) {
      const res = await alice.patch(`/opportunites/${ids.D}/`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(Object.keys(res.json().fieldErrors), JSON.stringify(body)).toEqual([field]);
    }
    const self = await alice.patch(`/opportunites/${ids.D}/`, { avant: ids.D });
    expect(self.statusCode).toBe(400);
    expect(self.json().fieldErrors.avant).toBeDefined();
    expect(
      (await alice.post('/opportunites/', { nom: 'Z', client: clientA, etape: 'proposition', avant: bobs })).statusCode,
    ).toBe(400);
    // The manager sees bob's card: the same placement is fine for them.
    expect((await manager.patch(`/opportunites/${ids.D}/`, { apres: bobs })).statusCode).toBe(200);
    expect(await column('proposition')).toEqual(['F', 'C', 'A', 'Chez Bob', 'D']);
    expect((await manager.delete(`/opportunites/${bobs}/`)).statusCode).toBe(204);
  });

  it('when no key is left between two cards, only a few neighbours are renumbered', async () => {
    const made: number[] = [];
    for (let i = 0; i < 40; i++) made.push((await create(alice, { nom: `R${i}`, etape: 'qualification' })).json().id);
    const keysBefore = new Map(
      (await t.sql(`select id, position from opportunites where etape = 'qualification'`)).map((r) => [
        r.id,
        r.position,
      ]),
    );
    // Always just after R0: the gap after it halves each time, then runs out (1024 → 0 in 11 moves).
    let prev = made[0];
    for (let i = 0; i < 25; i++) {
      const res = await alice.patch(`/opportunites/${made[39 - i]}/`, { apres: prev });
      expect(res.statusCode).toBe(200);
      prev = made[39 - i];
    }
    const expected = [
      'R0',
      ...Array.from({ length: 25 }, (_, i) => `R${39 - i}`),
      ...Array.from({ length: 14 }, (_, i) => `R${i + 1}`),
    ];
    expect(await column('qualification')).toEqual(expected);
    const after = await t.sql(`select id, position from opportunites where etape = 'qualification'`);
    const unchanged = after.filter((r) => keysBefore.get(r.id) === r.position).length;
    // 25 moved cards plus at most a small window of their neighbours were rewritten.
    expect(40 - unchanged).toBeLessThan(25 + 12);
    await expectUniqueKeys();
  });

  it('a DELETE leaves the other keys alone; a commercial may not delete (403)', async () => {
    const before = await Promise.all(['F', 'A', 'D'].map((n) => key(ids[n])));
    expect((await alice.delete(`/opportunites/${ids.C}/`)).statusCode).toBe(403);
    expect((await manager.delete(`/opportunites/${ids.C}/`)).statusCode).toBe(204);
    expect((await manager.get(`/opportunites/${ids.C}/`)).statusCode).toBe(404);
    expect(await column('proposition')).toEqual(['F', 'A', 'D']);
    expect(await Promise.all(['F', 'A', 'D'].map((n) => key(ids[n])))).toEqual(before);
  });

  it('50 parallel moves into one column with mixed placements: unique keys, every card there, no 500 or deadlock', async () => {
    const target = (
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => create(alice, { nom: `T${i}`, etape: 'prospect', montant: 1 })),
      )
    ).map((r) => r.json().id as number);
    const movers = (
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          create(alice, { nom: `M${i}`, etape: i % 2 ? 'qualification' : 'negociation' }),
        ),
      )
    ).map((r) => r.json().id as number);
    const placements = (i: number): Record<string, unknown> => {
      const ref = target[i % target.length];
      return [{ avant: ref }, { apres: ref }, { position: 0 }, { position: 5000 }, {}][i % 5];
    };
    const moves = await Promise.all(
      movers.map((id, i) => alice.patch(`/opportunites/${id}/`, { etape: 'prospect', ...placements(i) })),
    );
    expect(moves.filter((m) => m.statusCode !== 200).map((m) => `${m.statusCode} ${m.body}`)).toEqual([]);
    const rows = await t.sql(`select id from opportunites where etape = 'prospect' and id = any(?::int[])`, [
      `{${[...target, ...movers].join(',')}}`,
    ]);
    expect(rows).toHaveLength(56);
    await expectUniqueKeys();
    const names = await column('prospect');
    for (let i = 0; i < 50; i++) expect(names).toContain(`M${i}`);
  });
});

describe('moves of one card from two API instances', () => {
  it('every move succeeds: a move that finds its card moved meanwhile runs its whole transaction again', async () => {
    // A second instance on the same database: its moves do not wait in this one's move queue, so
    // the advisory locks alone order them, and a move often finds its card gone from the column it
    // read it in (409 error.card_moved inside, never answered while retries remain).
    const other = await startTestApp({ database: { url: t.dbUrl, drop: async () => undefined } });
    try {
      const alice2 = await other.as('alice');
      const cards = (
        await Promise.all(
          Array.from({ length: 4 }, (_, i) => create(alice, { nom: `Disputée ${i}`, etape: 'prospect' })),
        )
      ).map((r) => r.json().id as number);
      const columns = ['qualification', 'proposition', 'negociation'];
      for (let round = 0; round < 6; round++) {
        const moves = cards.flatMap((id, i) =>
          [alice, alice2].map((c, k) =>
            c.patch(`/opportunites/${id}/`, { etape: columns[(round + i + k) % 3], position: 0 }),
          ),
        );
        const res = await Promise.all(moves);
        expect(res.filter((r) => r.statusCode !== 200).map((r) => `${r.statusCode} ${r.body}`)).toEqual([]);
      }
      await expectUniqueKeys();
      // Each card ends in one of the columns, once.
      const rows = await t.sql(`select etape from opportunites where id = any(?::int[])`, [`{${cards.join(',')}}`]);
      expect(rows.every((r) => columns.includes(r.etape))).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('avancer-etape and conclusion', () => {
  it('walks the pipeline to conclusion, which needs a result, then 409', async () => {
    const o = (await create(alice, { nom: 'Pipeline', montant: 100, probabilite: 50 })).json();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await alice.post(`/opportunites/${o.id}/avancer-etape/`);
      expect(r.statusCode).toBe(200);
      seen.push(r.json().etape);
    }
    expect(seen).toEqual(['qualification', 'proposition', 'negociation']);
    const last = (await column('negociation')).at(-1);
    expect(last).toBe('Pipeline');
    const missing = await alice.post(`/opportunites/${o.id}/avancer-etape/`, {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().fieldErrors.resultat).toBeDefined();
    expect((await alice.post(`/opportunites/${o.id}/avancer-etape/`, { resultat: 'nulle' })).statusCode).toBe(400);
    const done = await alice.post(`/opportunites/${o.id}/avancer-etape/`, {
      resultat: 'perdue',
      motifPerte: 'Prix trop élevé',
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ etape: 'conclusion', resultat: 'perdue', motifPerte: 'Prix trop élevé' });
    const [row] = await t.sql(`select date_conclusion from opportunites where id = ?`, [o.id]);
    expect(Date.now() - new Date(row.date_conclusion).getTime()).toBeLessThan(60_000);
    const again = await alice.post(`/opportunites/${o.id}/avancer-etape/`, { resultat: 'gagnee' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CONFLICT');
    await expectUniqueKeys();
  });

  it('concurrent avancer-etape calls each advance one stage', async () => {
    const o = (await create(alice, { nom: 'Trois clics' })).json();
    const res = await Promise.all([1, 2, 3].map(() => alice.post(`/opportunites/${o.id}/avancer-etape/`)));
    expect(res.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(res.map((r) => r.json().etape).sort()).toEqual(['negociation', 'proposition', 'qualification']);
    expect((await alice.get(`/opportunites/${o.id}/`)).json().etape).toBe('negociation');
    await expectUniqueKeys();
  });

  it('PATCH to conclusion needs a result; leaving conclusion clears result, motif and date', async () => {
    const o = (await create(alice, { nom: 'Retour', etape: 'negociation' })).json();
    const bad = await alice.patch(`/opportunites/${o.id}/`, { etape: 'conclusion' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fieldErrors.resultat).toBeDefined();
    const won = await alice.patch(`/opportunites/${o.id}/`, {
      etape: 'conclusion',
      resultat: 'gagnee',
      motifPerte: 'ignoré',
    });
    expect(won.json()).toMatchObject({ etape: 'conclusion', resultat: 'gagnee', motifPerte: '' });
    const lost = await alice.patch(`/opportunites/${o.id}/`, { resultat: 'perdue', motifPerte: 'Concurrent' });
    expect(lost.json()).toMatchObject({ etape: 'conclusion', resultat: 'perdue', motifPerte: 'Concurrent' });
    expect((await alice.patch(`/opportunites/${o.id}/`, { resultat: null })).statusCode).toBe(400);
    const back = await alice.patch(`/opportunites/${o.id}/`, { etape: 'negociation' });
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ etape: 'negociation', resultat: null, motifPerte: '' });
    const [row] = await t.sql(`select date_conclusion from opportunites where id = ?`, [o.id]);
    expect(row.date_conclusion).toBeNull();
    expect((await alice.patch(`/opportunites/${o.id}/`, { resultat: 'gagnee' })).statusCode).toBe(400);
  });
});

describe('devisActif and sub-lists', () => {
  it('devisActif is the newest version that is not refuse', async () => {
    const o = (await create(alice, { nom: 'Avec devis', montant: 900 })).json();
    const v1 = (await alice.post('/devis/', { opportunite: o.id, montant: 900 })).json();
    expect((await alice.get(`/opportunites/${o.id}/`)).json().devisActif).toBe(v1.id);
    const v2 = (await alice.post('/devis/', { opportunite: o.id, montant: 850 })).json();
    expect((await alice.get(`/opportunites/${o.id}/`)).json().devisActif).toBe(v2.id);
    expect((await manager.patch(`/devis/${v2.id}/`, { statut: 'refuse' })).statusCode).toBe(200);
    expect((await alice.get(`/opportunites/${o.id}/`)).json().devisActif).toBe(v1.id);
    const devis = await alice.get(`/opportunites/${o.id}/devis/?ordering=version`);
    expect(devis.statusCode).toBe(200);
    expect(devis.json().results.map((d: any) => d.version)).toEqual([1, 2]);
    expect((await alice.get(`/opportunites/${o.id}/devis/?statut=refuse`)).json().count).toBe(1);
    expect((await manager.delete(`/opportunites/${o.id}/`)).statusCode).toBe(409);
  });

  it('sub-lists: paginated, filtered, 404 when the parent is not visible', async () => {
    const mineB = (await bob.post('/opportunites/', { nom: 'Chez Bob', client: clientB })).json();
    const ofA = await alice.get(`/clients/${clientA}/opportunites/?pageSize=2`);
    expect(ofA.statusCode).toBe(200);
    expect(ofA.json().results).toHaveLength(2);
    expect(ofA.json().count).toBeGreaterThan(2);
    const all = (await alice.get(`/clients/${clientA}/opportunites/?pageSize=100`)).json().results;
    expect(all.every((o: any) => o.client === clientA)).toBe(true);
    expect(
      (await alice.get(`/clients/${clientA}/opportunites/?etape=conclusion`))
        .json()
        .results.every((o: any) => o.etape === 'conclusion'),
    ).toBe(true);
    expect((await alice.get(`/clients/${clientB}/opportunites/`)).statusCode).toBe(404);
    expect((await alice.get(`/clients/999999/opportunites/`)).statusCode).toBe(404);
    expect((await alice.get(`/opportunites/${mineB.id}/devis/`)).statusCode).toBe(404);
    expect((await bob.get(`/opportunites/${mineB.id}/devis/`)).json()).toEqual({
      count: 0,
      page: 1,
      pageSize: 25,
      results: [],
    });
  });
});

describe('visibility, permissions, filters, SQL count', () => {
  it("hides other commercials' opportunities: absent from lists, 404 on detail, update, avancer", async () => {
    const b = (await bob.post('/opportunites/', { nom: 'Secret de Bob', client: clientB })).json();
    const list = (await alice.get('/opportunites/?pageSize=100')).json();
    expect(list.results.map((o: any) => o.id)).not.toContain(b.id);
    expect(list.results.every((o: any) => o.client === clientA)).toBe(true);
    expect((await alice.get(`/opportunites/${b.id}/`)).statusCode).toBe(404);
    expect((await alice.patch(`/opportunites/${b.id}/`, { nom: 'volé' })).statusCode).toBe(404);
    expect((await alice.put(`/opportunites/${b.id}/`, { nom: 'volé', client: clientA })).statusCode).toBe(404);
    expect((await alice.post(`/opportunites/${b.id}/avancer-etape/`)).statusCode).toBe(404);
    expect((await alice.delete(`/opportunites/${b.id}/`)).statusCode).toBe(403);
    expect((await manager.get(`/opportunites/${b.id}/`)).statusCode).toBe(200);
    // moving one's own opportunity to a client one may not see
    const mine = (await create(alice, { nom: 'À moi' })).json();
    expect(
      (await alice.patch(`/opportunites/${mine.id}/`, { client: clientB })).json().fieldErrors.client,
    ).toBeDefined();
  });

  it('requires authentication', async () => {
    expect((await t.anonymous().get('/opportunites/')).statusCode).toBe(401);
    expect((await t.anonymous().post('/opportunites/', { nom: 'x', client: clientA })).statusCode).toBe(401);
    expect((await t.anonymous().post('/opportunites/1/avancer-etape/')).statusCode).toBe(401);
  });

  it('filters by etape, client, responsable, resultat, montant range, search; orders; rejects bad values', async () => {
    const c = (await manager.post('/clients/', { nom: 'Filtres SA', responsable: aliceId })).json().id;
    await manager.post('/opportunites/', { nom: 'Étude énergétique', client: c, montant: 100, notes: 'chaudière' });
    await manager.post('/opportunites/', { nom: 'Maintenance', client: c, montant: 250.5, responsable: bobId });
    await manager.post('/opportunites/', {
      nom: 'Audit',
      client: c,
      montant: 1000,
      etape: 'conclusion',
      resultat: 'gagnee',
    });
    const names = async (q: string) =>
      (await alice.get(`/opportunites/?client=${c}&${q}`)).json().results.map((o: any) => o.nom);
    expect(await names('ordering=montant')).toEqual(['Étude énergétique', 'Maintenance', 'Audit']);
    expect(await names('ordering=-montant')).toEqual(['Audit', 'Maintenance', 'Étude énergétique']);
    expect(await names('montantMin=250.5&montantMax=1000&ordering=nom')).toEqual(['Audit', 'Maintenance']);
    expect(await names(`responsable=${bobId}`)).toEqual(['Maintenance']);
    expect(await names('resultat=gagnee')).toEqual(['Audit']);
    expect(await names('etape=prospect&ordering=nom')).toEqual(['Étude énergétique', 'Maintenance']);
    expect(await names('search=ETUDE')).toEqual(['Étude énergétique']);
    expect(await names('search=chaudiere')).toEqual(['Étude énergétique']);
    expect((await alice.get('/opportunites/?ordering=secret')).statusCode).toBe(400);
    expect((await alice.get('/opportunites/?montantMin=abc')).json().fieldErrors.montantMin).toBeDefined();
    expect((await alice.get('/opportunites/?etape=signature')).statusCode).toBe(400);
    expect((await alice.get('/opportunites/?resultat=oui')).statusCode).toBe(400);
    expect((await alice.get('/opportunites/?pageSize=101')).statusCode).toBe(400);
  });

  it('runs the same small number of SQL statements for 2 or 100 rows, devisActif included (no N+1)', async () => {
    for (let i = 0; i < 40; i++) {
      const o = (await create(alice, { nom: `Lot ${i}`, montant: 10 + i })).json();
      if (i % 4 === 0) await alice.post('/devis/', { opportunite: o.id, montant: 10 + i });
    }
    const small = await t.countSql(() => admin.get('/opportunites/?pageSize=2'));
    const big = await t.countSql(() => admin.get('/opportunites/?pageSize=100'));
    expect(big.result.json().results.length).toBeGreaterThan(40);
    expect(big.result.json().results.some((o: any) => o.devisActif !== null)).toBe(true);
    expect(big.statements.length).toBe(small.statements.length);
    expect(big.statements.length).toBeLessThanOrEqual(3); // session check + count + page
    const sub = await t.countSql(() => admin.get(`/clients/${clientA}/opportunites/?pageSize=100`));
    expect(sub.statements.length).toBeLessThanOrEqual(3); // the parent check rides on the count
  });
});

describe('client detail computed fields', () => {
  it('valeurClient, pipelinePondere, nbProjetsActifs, nbOpportunitesActives on known data', async () => {
    const c = (await alice.post('/clients/', { nom: 'Chiffres exacts' })).json().id;
    await create(alice, {
      nom: 'Gagnée',
      client: c,
      montant: 1000.5,
      probabilite: 90,
      etape: 'conclusion',
      resultat: 'gagnee',
    });
    await create(alice, { nom: 'Gagnée 2', client: c, montant: 0.1, etape: 'conclusion', resultat: 'gagnee' });
    await create(alice, { nom: 'Perdue', client: c, montant: 500, etape: 'conclusion', resultat: 'perdue' });
    await create(alice, { nom: 'Ouverte', client: c, montant: 2000, probabilite: 25 }); // 500.00
    await create(alice, { nom: 'Ouverte 2', client: c, montant: 333.33, probabilite: 33, etape: 'negociation' }); // 110.00
    await alice.post('/projets/', { titre: 'En cours', client: c, statut: 'en_cours' });
    await alice.post('/projets/', { titre: 'À faire', client: c });
    await alice.post('/projets/', { titre: 'Fini', client: c, statut: 'termine' });
    const detail = (await alice.get(`/clients/${c}/`)).json();
    expect(detail).toMatchObject({
      valeurClient: 1000.6,
      pipelinePondere: 610,
      nbProjetsActifs: 2,
      nbOpportunitesActives: 2,
    });
  });
});

describe('pnpm seed-demo', () => {
  it('creates demo users and data once (idempotent), consistent with the API rules', async () => {
    const demo = await startTestApp();
    try {
      expect(await seedDemo(demo.orm.em.fork() as EntityManager)).toEqual({ created: true });
      expect(await seedDemo(demo.orm.em.fork() as EntityManager)).toEqual({ created: false });
      const [n] =
        await demo.sql(`select (select count(*) from users)::int as users, (select count(*) from clients)::int as clients,
        (select count(distinct etape) from opportunites)::int as etapes, (select count(*) from devis where lignes is not null)::int as devis_lignes`);
      expect(n).toMatchObject({ users: 3, clients: 6, etapes: 5 });
      expect(n.devis_lignes).toBeGreaterThan(0);
      const marie = await demo.as('marie', DEMO_PASSWORD);
      const paul = await demo.as('paul', DEMO_PASSWORD);
      const all = (await marie.get('/opportunites/?pageSize=100')).json();
      const mine = (await paul.get('/opportunites/?pageSize=100')).json();
      expect(mine.count).toBeGreaterThan(0);
      expect(mine.count).toBeLessThan(all.count);
      const [dup] = await demo.sql(
        `select count(*)::int as n from (select etape, position from opportunites group by 1, 2 having count(*) > 1) x`,
      );
      expect(dup.n).toBe(0);
      expect((await paul.get('/taches/?assigneA=me')).json().count).toBeGreaterThan(0);
    } finally {
      await demo.close();
    }
  });
});
