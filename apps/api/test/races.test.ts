import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApp, type TestApp } from './helpers.js';

/**
 * Concurrent writers over real HTTP connections (the server listens; each request is its own
 * connection through fetch), as production sees them: no `inject`, so requests truly overlap in
 * the database.
 */
let t: TestApp;
let base: string;

interface Http {
  userId: number;
  send(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
}

async function login(username: string, password = PASSWORD): Promise<Http> {
  const res = await fetch(`${base}/auth/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const { access, user } = (await res.json()) as { access: string; user: { id: number } };
  return {
    userId: user.id,
    async send(method, path, body) {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${access}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await r.text();
      return { status: r.status, json: text ? JSON.parse(text) : null };
    },
  };
}

let admin: Http;
let admin2: Http;
let alice: Http; // commercial

beforeAll(async () => {
  // Statements wait here on row locks a test holds until both racing requests wait on them (up to
  // 15 s on a loaded machine): the API's statement timeout (10 s by default) must not end those
  // waits first, which answered 503 to both demotions in a loaded CI run.
  t = await startTestApp({ env: { DB_STATEMENT_TIMEOUT_MS: process.env.RACES_STATEMENT_TIMEOUT_MS ?? '60000' } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}/api`;
  await t.user('admin', 'admin');
  await t.user('admin2', 'admin');
  await t.user('alice', 'commercial');
  [admin, admin2, alice] = await Promise.all([login('admin'), login('admin2'), login('alice')]);
});
afterAll(async () => t?.close());

const statuses = (rs: { status: number }[]) => rs.map((r) => r.status).sort();

describe('projet client change vs tâche moves', () => {
  it('every tâche of a projet ends on the projet’s client, whatever the interleaving', async () => {
    const c1 = (await admin.send('POST', '/clients/', { nom: 'Scierie Ancelin' })).json.id;
    const c2 = (await admin.send('POST', '/clients/', { nom: 'Vergers du Lot' })).json.id;
    const projet = (await admin.send('POST', '/projets/', { titre: 'Hangar', client: c1 })).json.id;
    const taches: number[] = [];
    for (let i = 0; i < 4; i++) {
      taches.push(
        (
          await admin.send('POST', '/taches/', {
            titre: `Étape ${i}`,
            projet,
            dateEcheance: '2027-05-01',
            priorite: 'moyenne',
            statut: 'a_faire',
          })
        ).json.id,
      );
    }
    const columns = ['a_faire', 'en_cours', 'terminee'];
    const wrong: string[] = [];
    for (let round = 0; round < 8; round++) {
      const target = round % 2 === 0 ? c2 : c1;
      const moves = taches.flatMap((id, i) =>
        [0, 1].map((k) => admin.send('PATCH', `/taches/${id}/`, { statut: columns[(round + i + k) % 3], position: 0 })),
      );
      const change = admin.send('PATCH', `/projets/${projet}/`, { client: target });
      const results = await Promise.all([change, ...moves]);
      expect(
        results.filter((r) => r.status !== 200),
        JSON.stringify(results.map((r) => r.json)),
      ).toEqual([]);
      const rows = await t.sql<{ id: number; client_id: number; pc: number }>(
        'select t.id, t.client_id, p.client_id as pc from taches t join projets p on p.id = t.projet_id where p.id = ?',
        [projet],
      );
      for (const r of rows)
        if (r.client_id !== r.pc || r.pc !== target)
          wrong.push(`round ${round}: tâche ${r.id} on ${r.client_id}, projet on ${r.pc}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the database keeps tache.client = projet.client even for writers that bypass the service', async () => {
    const c1 = (await admin.send('POST', '/clients/', { nom: 'Tonnellerie Faure' })).json.id;
    const c2 = (await admin.send('POST', '/clients/', { nom: 'Domaine Picard' })).json.id;
    const projet = (await admin.send('POST', '/projets/', { titre: 'Chai', client: c1 })).json.id;
    const tache = (
      await admin.send('POST', '/taches/', {
        titre: 'Devis cuves',
        projet,
        dateEcheance: '2027-05-01',
        priorite: 'basse',
      })
    ).json.id;
    await t.sql('update taches set client_id = ? where id = ?', [c2, tache]);
    expect((await t.sql('select client_id from taches where id = ?', [tache]))[0].client_id).toBe(c1);
    await t.sql('update projets set client_id = ? where id = ?', [c2, projet]);
    expect((await t.sql('select client_id from taches where id = ?', [tache]))[0].client_id).toBe(c2);
  });
});

describe('parallel re-parenting never answers 404 for a visible object', () => {
  it('10 parallel PATCH of a projet’s client all succeed', async () => {
    const clients: number[] = [];
    for (let i = 0; i < 3; i++) clients.push((await admin.send('POST', '/clients/', { nom: `Client ${i}` })).json.id);
    const projet = (await admin.send('POST', '/projets/', { titre: 'Extension', client: clients[0] })).json.id;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        admin.send('PATCH', `/projets/${projet}/`, { client: clients[(i % 2) + 1] }),
      ),
    );
    expect(statuses(results)).toEqual(Array(10).fill(200));
  });

  it('10 parallel PATCH of a devis’ opportunite all succeed', async () => {
    const client = (await admin.send('POST', '/clients/', { nom: 'Boulangerie Ménard' })).json.id;
    const opps: number[] = [];
    for (let i = 0; i < 3; i++)
      opps.push((await admin.send('POST', '/opportunites/', { nom: `Four ${i}`, client, montant: 1000 })).json.id);
    const devis = (await admin.send('POST', '/devis/', { opportunite: opps[0], montant: 500 })).json.id;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => admin.send('PATCH', `/devis/${devis}/`, { opportunite: opps[(i % 2) + 1] })),
    );
    expect(statuses(results)).toEqual(Array(10).fill(200));
  });
});

describe('the last active admin', () => {
  it('two admins demoting each other at once leave one active admin (one 409)', async () => {
    // « At once »: both requests past authentication (which reads the role) before either
    // commits. On a loaded machine one request can finish before the other starts (then the
    // other is rightly 403), so the admins' rows are held locked by another transaction until
    // both requests wait for them; they then run in turn, as truly simultaneous requests do.
    const locker = new pg.Client({ connectionString: t.dbUrl });
    await locker.connect();
    const lockWaiters = async () =>
      (
        await locker.query(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        )
      ).rows[0].n as number;
    try {
      for (let round = 0; round < 5; round++) {
        await t.sql(`update users set role = 'admin', is_active = true where username in ('admin', 'admin2')`);
        await t.sql(`update users set role = 'manager' where role = 'admin' and username not in ('admin', 'admin2')`);
        await locker.query('begin');
        await locker.query(`select id from users where username in ('admin', 'admin2') for update`);
        let settled = false;
        const both = Promise.all([
          admin.send('PATCH', `/users/${admin2.userId}/`, round % 2 ? { isActive: false } : { role: 'manager' }),
          admin2.send('PATCH', `/users/${admin.userId}/`, { role: 'commercial' }),
        ]).finally(() => (settled = true));
        for (const deadline = Date.now() + 15_000; !settled && Date.now() < deadline && (await lockWaiters()) < 2; )
          await new Promise((r) => setTimeout(r, 20));
        await locker.query('commit');
        const [a, b] = await both;
        expect(statuses([a, b])).toEqual([200, 409]);
        const [n] = await t.sql<{ n: number }>(
          `select count(*)::int as n from users where role = 'admin' and is_active`,
        );
        expect(n.n).toBe(1);
        // A deactivation revokes the loser's sessions: log in again for the next round.
        if (round % 2) {
          await t.sql(`update users set role = 'admin', is_active = true where username in ('admin', 'admin2')`);
          [admin, admin2] = await Promise.all([login('admin'), login('admin2')]);
        }
      }
    } finally {
      await locker.end();
      await t.sql(`update users set role = 'admin', is_active = true where username in ('admin', 'admin2')`);
    }
  });
});

describe('a commercial releasing their own client', () => {
  it('PATCH {responsable: null} is refused with 400 on responsable and changes nothing', async () => {
    const client = (await alice.send('POST', '/clients/', { nom: 'Garage Lemaire' })).json.id;
    const res = await alice.send('PATCH', `/clients/${client}/`, { responsable: null, notes: 'à céder' });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('BAD_REQUEST');
    expect(Object.keys(res.json.fieldErrors)).toEqual(['responsable']);
    const [row] = await t.sql('select responsable_id, notes from clients where id = ?', [client]);
    expect(row).toEqual({ responsable_id: alice.userId, notes: '' });
    // Nor may a commercial create a client nobody is responsable of (created, then invisible to them).
    const orphan = await alice.send('POST', '/clients/', { nom: 'Orphelin', responsable: null });
    expect(orphan.status).toBe(400);
    expect(Object.keys(orphan.json.fieldErrors)).toEqual(['responsable']);
    expect(await t.sql(`select id from clients where nom = 'Orphelin'`)).toEqual([]);
    // Admins and managers may still leave a client without responsable.
    const byAdmin = await admin.send('PATCH', `/clients/${client}/`, { responsable: null });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json.responsable).toBeNull();
  });
});

describe('a commercial’s edit racing with the client’s reassignment', () => {
  it('is either applied (200) or refused (404) with nothing written — never written then 404', async () => {
    const bob = await t.user('bob', 'commercial');
    const client = (await alice.send('POST', '/clients/', { nom: 'Quincaillerie Vidal' })).json.id;
    const writtenThen404: number[] = [];
    for (let round = 0; round < 20; round++) {
      await t.sql('update clients set responsable_id = ? where id = ?', [alice.userId, client]);
      const [edit] = await Promise.all([
        alice.send('PATCH', `/clients/${client}/`, { notes: `tour ${round}` }),
        admin.send('PATCH', `/clients/${client}/`, { responsable: bob }),
      ]);
      const [row] = await t.sql('select notes from clients where id = ?', [client]);
      if (edit.status === 404 && row.notes === `tour ${round}`) writtenThen404.push(round);
      else expect([200, 404]).toContain(edit.status);
    }
    expect(writtenThen404).toEqual([]);
  });
});

describe('usernames and e-mails share one login namespace', () => {
  it('a username equal to another user’s e-mail (any case) is 409 on username', async () => {
    await t.user('claire', 'commercial', { email: 'claire.dumas@example.fr' });
    const res = await admin.send('POST', '/users/', {
      username: 'Claire.Dumas@Example.fr',
      email: 'autre@example.fr',
      password: 'Mot-de-passe-2026',
      role: 'commercial',
    });
    expect(res.status).toBe(409);
    expect(Object.keys(res.json.fieldErrors)).toEqual(['username']);
    const renamed = await admin.send('PATCH', `/users/${alice.userId}/`, { username: 'CLAIRE.DUMAS@example.fr' });
    expect(renamed.status).toBe(409);
    expect(Object.keys(renamed.json.fieldErrors)).toEqual(['username']);
  });

  it('an e-mail equal to another user’s username (any case) is 409 on email', async () => {
    await t.user('jdupont@example.fr', 'commercial', { email: 'jean@example.fr' });
    const res = await admin.send('POST', '/users/', {
      username: 'jeanne',
      email: 'JDupont@example.fr',
      password: 'Mot-de-passe-2026',
      role: 'commercial',
    });
    expect(res.status).toBe(409);
    expect(Object.keys(res.json.fieldErrors)).toEqual(['email']);
    // One's own e-mail as username is fine.
    const self = await admin.send('POST', '/users/', {
      username: 'marc@example.fr',
      email: 'Marc@example.fr',
      password: 'Mot-de-passe-2026',
      role: 'commercial',
    });
    expect(self.status).toBe(201);
  });

  it('two admins creating colliding users at once: exactly one wins', async () => {
    for (let round = 0; round < 4; round++) {
      const name = `course${round}@example.fr`;
      const [a, b] = await Promise.all([
        admin.send('POST', '/users/', {
          username: name,
          email: `x${round}@example.fr`,
          password: 'Mot-de-passe-2026',
          role: 'commercial',
        }),
        admin2.send('POST', '/users/', {
          username: `course${round}`,
          email: name.toUpperCase(),
          password: 'Mot-de-passe-2026',
          role: 'commercial',
        }),
      ]);
      expect(statuses([a, b])).toEqual([201, 409]);
    }
  });
});
