import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from './testing.js';
import { initOrm, type MikroORM } from './orm.js';

/**
 * Migration20261206190000_proprietaire: opportunités, projets, tâches and devis carry the responsable
 * of their client as `proprietaire_id` (a commercial's visibility, index-backed). The migration
 * fills it for existing rows; triggers keep it right on insert, on a change of client or
 * opportunité, and when a client changes responsable.
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

type Owners = Record<string, number | null>;

async function owners(): Promise<Owners> {
  const rows = await orm.em.getConnection().execute(
    `select 'o:' || nom as k, proprietaire_id as p from opportunites
     union all select 'p:' || titre, proprietaire_id from projets
     union all select 't:' || titre, proprietaire_id from taches
     union all select 'd:' || montant::int, proprietaire_id from devis`,
  );
  return Object.fromEntries((rows as Array<{ k: string; p: number | null }>).map((r) => [r.k, r.p]));
}

it('fills existing rows, then follows inserts, moves between clients and changes of responsable', async () => {
  await orm.getMigrator().up({ to: 'Migration20261206172000_devis_numero_digits' });
  const conn = orm.em.getConnection();
  const ids = async (text: string, params: unknown[] = []) => (await conn.execute(text, params))[0].id as number;
  const a = await ids(`insert into users (username, password_hash) values ('a', 'x') returning id`);
  const b = await ids(`insert into users (username, password_hash) values ('b', 'x') returning id`);
  const ca = await ids(`insert into clients (nom, responsable_id) values ('A', ?) returning id`, [a]);
  const cb = await ids(`insert into clients (nom, responsable_id) values ('B', ?) returning id`, [b]);
  const cn = await ids(`insert into clients (nom) values ('Personne') returning id`);
  const oa = await ids(`insert into opportunites (nom, client_id, position) values ('OA', ?, 1) returning id`, [ca]);
  await conn.execute(`insert into projets (titre, client_id) values ('PB', ?)`, [cb]);
  await conn.execute(
    `insert into taches (titre, client_id, priorite, date_echeance, position) values ('TA', ?, 'basse', current_date, 1), ('T0', null, 'basse', current_date, 2)`,
    [ca],
  );
  await conn.execute(`insert into devis (opportunite_id, montant, version) values (?, 10, 1)`, [oa]);

  await orm.getMigrator().up({ to: 'Migration20261206190000_proprietaire' });
  expect(await owners()).toEqual({ 'o:OA': a, 'p:PB': b, 't:TA': a, 't:T0': null, 'd:10': a });

  // Inserts take their client's responsable, whatever they say.
  const ob = await ids(
    `insert into opportunites (nom, client_id, proprietaire_id, position) values ('OB', ?, ?, 2) returning id`,
    [cb, a],
  );
  await conn.execute(`insert into devis (opportunite_id, montant, version) values (?, 20, 2)`, [ob]);
  await conn.execute(`insert into opportunites (nom, client_id, position) values ('ON', ?, 3)`, [cn]);
  expect(await owners()).toMatchObject({ 'o:OB': b, 'd:20': b, 'o:ON': null });

  // A client changes responsable: everything under it follows (devis through their opportunité).
  await conn.execute('update clients set responsable_id = ? where id = ?', [b, ca]);
  expect(await owners()).toMatchObject({ 'o:OA': b, 't:TA': b, 'd:10': b, 'o:OB': b, 'p:PB': b });
  await conn.execute('update clients set responsable_id = null where id = ?', [cb]);
  expect(await owners()).toMatchObject({ 'o:OB': null, 'd:20': null, 'p:PB': null, 'o:OA': b });

  // A row moves to another client; a devis to another opportunité.
  await conn.execute('update opportunites set client_id = ? where id = ?', [cn, oa]);
  await conn.execute('update clients set responsable_id = ? where id = ?', [a, cn]);
  expect(await owners()).toMatchObject({ 'o:OA': a, 'd:10': a, 'o:ON': a, 't:TA': b });
  await conn.execute(`update taches set client_id = ? where titre = 'TA'`, [cn]);
  await conn.execute(`update devis set opportunite_id = ? where montant = 20`, [oa]);
  expect(await owners()).toMatchObject({ 't:TA': a, 'd:20': a });

  // The rest of the migrations still apply on top.
  await orm.getMigrator().up();
});
