import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from './testing.js';
import { initOrm, type MikroORM } from './orm.js';

/**
 * Migration20261206040000_sparse_positions_list_indexes turns the contiguous kanban positions of
 * existing data into sparse keys (1024 apart) per column, keeping every column's order (ties
 * broken by id) and the (column, position) uniques.
 */
let orm: MikroORM;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase('crm_dbtest');
  drop = db.drop;
  orm = await initOrm({ databaseUrl: db.url });
});
afterAll(async () => {
  await orm?.close(true);
  await drop?.();
});

it('spreads existing contiguous positions to keys 1024 apart, column by column, in the same order', async () => {
  await orm.getMigrator().up({ to: 'Migration20261206031000_fold_any_locale' });
  const conn = orm.em.getConnection();
  const [u] = await conn.execute(`insert into users (username, password_hash) values ('u', 'x') returning id`);
  const [c] = await conn.execute(`insert into clients (nom, responsable_id) values ('Acme', ?) returning id`, [u.id]);
  // Contiguous positions as the old code kept them, inserted out of order.
  const cards: Array<[string, string, number]> = [
    ['P2', 'prospect', 2],
    ['P0', 'prospect', 0],
    ['P1', 'prospect', 1],
    ['P3', 'prospect', 3],
    ['Q1', 'qualification', 1],
    ['Q0', 'qualification', 0],
  ];
  for (const [nom, etape, position] of cards) {
    await conn.execute(`insert into opportunites (nom, client_id, etape, position) values (?, ?, ?, ?)`, [
      nom,
      c.id,
      etape,
      position,
    ]);
  }
  for (const [titre, statut, position] of [
    ['T1', 'a_faire', 1],
    ['T0', 'a_faire', 0],
    ['E0', 'en_cours', 0],
  ] as const) {
    await conn.execute(
      `insert into taches (titre, client_id, priorite, date_echeance, statut, position) values (?, ?, 'basse', current_date, ?, ?)`,
      [titre, c.id, statut, position],
    );
  }

  await orm.getMigrator().up({ to: 'Migration20261206040000_sparse_positions_list_indexes' });
  const opps = await conn.execute(`select nom, etape, position from opportunites order by etape, position`);
  expect(opps.map((r: any) => `${r.etape}:${r.nom}:${r.position}`)).toEqual([
    'prospect:P0:0',
    'prospect:P1:1024',
    'prospect:P2:2048',
    'prospect:P3:3072',
    'qualification:Q0:0',
    'qualification:Q1:1024',
  ]);
  const taches = await conn.execute(`select titre, statut, position from taches order by statut, position`);
  expect(taches.map((r: any) => `${r.statut}:${r.titre}:${r.position}`)).toEqual([
    'a_faire:T0:0',
    'a_faire:T1:1024',
    'en_cours:E0:0',
  ]);
  // The rest of the migrations still apply on top.
  await orm.getMigrator().up();
});
