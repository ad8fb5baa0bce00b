import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from './testing.js';
import { initOrm, type MikroORM } from './orm.js';

/** Devis that existed before numbering get one number per opportunity, in creation order per year; the counter continues after them. */
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

it('numbers existing devis per opportunity lineage and year, then continues without gaps', async () => {
  await orm.getMigrator().up({ to: 'Migration20261206010000_pgboss' });
  const conn = orm.em.getConnection();
  const [u] = await conn.execute(`insert into users (username, password_hash) values ('u', 'x') returning id`);
  const [c] = await conn.execute(`insert into clients (nom, responsable_id) values ('Acme', ?) returning id`, [u.id]);
  let position = 0;
  const opp = async (nom: string) =>
    (
      await conn.execute(`insert into opportunites (nom, client_id, position) values (?, ?, ?) returning id`, [
        nom,
        c.id,
        position++,
      ])
    )[0].id as number;
  const [a, b, z] = [await opp('A'), await opp('B'), await opp('Z')];
  const devis = (o: number, version: number, at: string) =>
    conn.execute(`insert into devis (opportunite_id, montant, version, date_creation) values (?, 10, ?, ?)`, [
      o,
      version,
      at,
    ]);
  await devis(b, 1, '2025-03-01T10:00:00Z');
  await devis(a, 1, '2025-06-01T10:00:00Z');
  await devis(a, 2, '2026-01-15T10:00:00Z');
  await devis(z, 1, '2026-02-01T10:00:00Z');

  await orm.getMigrator().up();
  const rows = await conn.execute(
    `select o.nom, d.version, d.numero from devis d join opportunites o on o.id = d.opportunite_id order by o.nom, d.version`,
  );
  expect(rows.map((r: any) => `${r.nom} v${r.version} ${r.numero}`)).toEqual([
    'A v1 D2025-00002',
    'A v2 D2025-00002',
    'B v1 D2025-00001',
    'Z v1 D2026-00001',
  ]);
  const [next] = await conn.execute(
    `insert into devis (opportunite_id, montant, version, date_creation) values (?, 10, 1, '2026-05-05T10:00:00Z') returning numero`,
    [await opp('N')],
  );
  expect(next.numero).toBe('D2026-00002');
});

it('keeps every digit past 99 999 devis in a year (D2026-100000, never a truncated D2026-10000)', async () => {
  const conn = orm.em.getConnection();
  await conn.execute(`update devis_compteurs set dernier = 99998 where annee = 2026`);
  const [u] = await conn.execute(`select id from users limit 1`);
  const [c] = await conn.execute(`insert into clients (nom, responsable_id) values ('Volume', ?) returning id`, [u.id]);
  const numbers: string[] = [];
  for (const nom of ['V1', 'V2', 'V3']) {
    const [o] = await conn.execute(
      `insert into opportunites (nom, client_id, position) values (?, ?, (select coalesce(max(position), 0) + 1024 from opportunites)) returning id`,
      [nom, c.id],
    );
    const [d] = await conn.execute(
      `insert into devis (opportunite_id, montant, version, date_creation) values (?, 10, 1, '2026-06-01T10:00:00Z') returning numero`,
      [o.id],
    );
    numbers.push(d.numero);
  }
  expect(numbers).toEqual(['D2026-99999', 'D2026-100000', 'D2026-100001']);
});
