import type { TestApp } from './helpers.js';

/**
 * Known data for the dashboard and report tests, inserted with SQL (independent of the CRUD
 * routers). alice and bob are commercials: alice owns A1, A2; bob owns B1; Z1 has no responsable.
 * Closed opportunities are dated relative to the current UTC month, so the numbers hold any day.
 */

async function insertRow(
  t: TestApp,
  ids: Record<string, number>,
  table: string,
  name: string,
  cols: Record<string, unknown>,
  raw: Record<string, string> = {},
) {
  const keys = [...Object.keys(cols), ...Object.keys(raw)];
  const values = [...Object.keys(cols).map(() => '?'), ...Object.values(raw)];
  const [row] = await t.sql(
    `insert into ${table} (${keys.join(', ')}) values (${values.join(', ')}) returning id`,
    Object.values(cols),
  );
  ids[name] = row.id;
  return row.id as number;
}
const monthStart = (k: number) =>
  `date_trunc('month', now() at time zone 'UTC') at time zone 'UTC' + interval '${k} months' + interval '12 hours'`;

export async function seedDashboardData(
  t: TestApp,
  users: { aliceId: number; bobId: number },
): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  const insert = (table: string, name: string, cols: Record<string, unknown>, raw: Record<string, string> = {}) =>
    insertRow(t, ids, table, name, cols, raw);
  const { aliceId: a, bobId: b } = users;
  await insert(
    'clients',
    'A1',
    { nom: 'Atelier Dupré', societe: 'Dupré SARL', responsable_id: a },
    { date_creation: "now() - interval '3 days'" },
  );
  await insert(
    'clients',
    'A2',
    { nom: 'Boulangerie Émile', societe: 'Émile & Fils', responsable_id: a },
    { date_creation: "now() - interval '2 days'" },
  );
  await insert(
    'clients',
    'B1',
    { nom: 'Cabinet Bernard', societe: 'Bernard', responsable_id: b },
    { date_creation: "now() - interval '1 days'" },
  );
  await insert('clients', 'Z1', { nom: 'Zéphyr (sans responsable)' }, { date_creation: 'now()' });

  await insert(
    'projets',
    'p1',
    { titre: 'Site vitrine', statut: 'a_faire', client_id: ids.A1, budget: '1500.00' },
    { date_creation: "now() - interval '3 hours'" },
  );
  await insert(
    'projets',
    'p2',
    { titre: 'Refonte', statut: 'en_cours', client_id: ids.A1 },
    {
      date_debut: 'current_date - 30',
      date_fin: "(now() at time zone 'UTC')::date - 3",
      date_creation: "now() - interval '2 hours'",
    },
  );
  await insert(
    'projets',
    'p3',
    { titre: 'Audit', statut: 'termine', client_id: ids.B1 },
    { date_creation: "now() - interval '1 hours'" },
  );

  let pos = 0;
  const opp = (
    name: string,
    client: string,
    resp: number,
    montant: string,
    probabilite: number,
    etape: string,
    raw: Record<string, string> = {},
    resultat?: string,
  ) =>
    insert(
      'opportunites',
      name,
      {
        nom: name,
        client_id: ids[client],
        responsable_id: resp,
        montant,
        probabilite,
        etape,
        resultat: resultat ?? null,
        position: pos++,
      },
      raw,
    );
  await opp('oA1', 'A1', a, '1000.50', 30, 'prospect', {
    date_conclusion_estimee: "(now() at time zone 'UTC')::date + 10",
  });
  await opp('oA2', 'A2', a, '2000.00', 55, 'negociation', {
    date_conclusion_estimee: "(now() at time zone 'UTC')::date + 5",
  });
  await opp('oB1', 'B1', b, '3333.33', 33, 'proposition');
  // Closed ones: conclusion dates fixed relative to the current month (UTC), cycles of 30, 10, 20 days.
  await opp(
    'oA3',
    'A1',
    a,
    '5000.00',
    100,
    'conclusion',
    { date_conclusion: monthStart(0), date_creation: `${monthStart(0)} - interval '30 days'` },
    'gagnee',
  );
  await opp(
    'oA4',
    'A2',
    a,
    '700.00',
    10,
    'conclusion',
    { date_conclusion: monthStart(-1), date_creation: `${monthStart(-1)} - interval '5 days'` },
    'perdue',
  );
  await opp(
    'oB2',
    'B1',
    b,
    '10000.00',
    100,
    'conclusion',
    { date_conclusion: monthStart(-2), date_creation: `${monthStart(-2)} - interval '10 days'` },
    'gagnee',
  );
  await opp(
    'oB3',
    'B1',
    b,
    '400.00',
    100,
    'conclusion',
    { date_conclusion: monthStart(0), date_creation: `${monthStart(0)} - interval '20 days'` },
    'gagnee',
  );
  await opp(
    'oB4',
    'B1',
    b,
    '999.99',
    0,
    'conclusion',
    { date_conclusion: monthStart(-13), date_creation: `${monthStart(-13)} - interval '1 days'` },
    'perdue',
  );

  const today = "(now() at time zone 'UTC')::date";
  let tpos = 0;
  const tache = (name: string, assignee: number | null, client: string | null, due: string, statut = 'a_faire') =>
    insert(
      'taches',
      name,
      {
        titre: name,
        assigne_a_id: assignee,
        client_id: client ? ids[client] : null,
        priorite: 'moyenne',
        statut,
        position: tpos++,
      },
      { date_echeance: due },
    );
  await tache('t1', a, 'A1', `${today} + 2`);
  await tache('t2', a, 'B1', `${today} - 1`, 'en_cours');
  await tache('t3', b, 'A2', `${today} + 1`);
  await tache('t4', b, null, `${today} - 5`, 'terminee');
  await tache('t5', null, 'Z1', `${today} + 3`);

  await insert('devis', 'd1', {
    opportunite_id: ids.oA1,
    montant: '1000.50',
    montant_tva: '200.10',
    statut: 'envoye',
    version: 1,
  });
  await insert('devis', 'd2', {
    opportunite_id: ids.oA1,
    montant: '1100.00',
    montant_tva: '220.00',
    statut: 'brouillon',
    version: 2,
  });
  await insert('devis', 'd3', {
    opportunite_id: ids.oB1,
    montant: '3333.33',
    montant_tva: '666.67',
    statut: 'consulte',
    version: 1,
  });
  await insert('devis', 'd4', {
    opportunite_id: ids.oA2,
    montant: '2000.00',
    montant_tva: '400.00',
    statut: 'accepte',
    version: 1,
  });
  return ids;
}
