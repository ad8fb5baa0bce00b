import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp, withoutSessionCheck } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let aliceId: number;
let bobId: number;
let clientA: number; // alice's
let clientA2: number; // alice's too
let clientB: number; // bob's
let projetA: number; // of clientA
let projetB: number; // of clientB

const dayOffset = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  await t.user('ancien', 'commercial', { isActive: false });
  [admin, manager, alice, bob] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice'), t.as('bob')]);
  clientA = (await alice.post('/clients/', { nom: 'Cabinet Moreau' })).json().id;
  clientA2 = (await alice.post('/clients/', { nom: 'Crèche Les Lutins' })).json().id;
  clientB = (await bob.post('/clients/', { nom: 'Transports Petit' })).json().id;
  projetA = (await alice.post('/projets/', { titre: 'Site web', client: clientA })).json().id;
  projetB = (await bob.post('/projets/', { titre: 'Flotte', client: clientB })).json().id;
});
afterAll(async () => t?.close());

const create = (c: RestClient, body: Record<string, unknown>) =>
  c.post('/taches/', { titre: 'Tâche', priorite: 'moyenne', dateEcheance: dayOffset(7), ...body });

/** Titles of a board column in position order (keys strictly increasing: unique and ordered, not necessarily contiguous). */
async function column(statut: string): Promise<string[]> {
  const res = (await manager.get(`/taches/?statut=${statut}&ordering=position&pageSize=100`)).json();
  const keys: number[] = res.results.map((x: any) => x.position);
  for (let i = 1; i < keys.length; i++) expect(keys[i], `${statut} keys ${keys}`).toBeGreaterThan(keys[i - 1]);
  return res.results.map((x: any) => x.titre);
}
async function expectUniqueKeys(): Promise<void> {
  const [row] = await t.sql(
    `select count(*)::int as dup from (select statut, position from taches group by 1, 2 having count(*) > 1) x`,
  );
  expect(row.dup).toBe(0);
}

describe('taches CRUD', () => {
  it('creates (201): assigneA defaults to the creator, explicit null leaves it unassigned', async () => {
    const res = await create(alice, { titre: 'Rappeler', description: 'Devis', client: clientA, priorite: 'haute' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      titre: 'Rappeler',
      assigneA: aliceId,
      assigneANom: 'alice Test',
      client: clientA,
      clientNom: 'Cabinet Moreau',
      projet: null,
      projetTitre: null,
      priorite: 'haute',
      statut: 'a_faire',
      enRetard: false,
      dateTerminee: null,
    });
    const unassigned = await create(alice, { client: clientA, assigneA: null });
    expect(unassigned.json()).toMatchObject({ assigneA: null, assigneANom: null });
  });

  it('takes the client from the projet; both given must match (400 on projet)', async () => {
    const fromProjet = await create(alice, { projet: projetA });
    expect(fromProjet.json()).toMatchObject({ projet: projetA, projetTitre: 'Site web', client: clientA });
    expect((await create(alice, { projet: projetA, client: clientA })).statusCode).toBe(201);
    const mismatch = await create(alice, { projet: projetA, client: clientA2 });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().fieldErrors).toEqual({ projet: ["Le projet n'appartient pas à ce client."] });
    const t1 = fromProjet.json();
    expect((await alice.patch(`/taches/${t1.id}/`, { client: clientA2 })).json().fieldErrors.projet).toBeDefined();
    const moved = await alice.patch(`/taches/${t1.id}/`, { client: clientA2, projet: null });
    expect(moved.json()).toMatchObject({ client: clientA2, projet: null });
    const back = await alice.patch(`/taches/${t1.id}/`, { projet: projetA });
    expect(back.json()).toMatchObject({ client: clientA, projet: projetA });
  });

  it('validates required fields, choices and dates; refuses unknown or invisible references', async () => {
    const empty = await alice.post('/taches/', {});
    expect(empty.statusCode).toBe(400);
    expect(Object.keys(empty.json().fieldErrors).sort()).toEqual(['dateEcheance', 'priorite', 'titre']);
    expect((await create(alice, { priorite: 'critique' })).json().fieldErrors.priorite).toBeDefined();
    expect((await create(alice, { dateEcheance: '31/12/2026' })).json().fieldErrors.dateEcheance).toBeDefined();
    expect((await create(alice, { statut: 'fini' })).json().fieldErrors.statut).toBeDefined();
    expect((await create(alice, { client: clientB })).json().fieldErrors).toEqual({
      client: ["L'objet référencé n'existe pas."],
    });
    expect((await create(alice, { projet: projetB })).json().fieldErrors).toEqual({
      projet: ["L'objet référencé n'existe pas."],
    });
    expect((await create(alice, { projet: 999999 })).json().fieldErrors.projet).toBeDefined();
    expect((await create(alice, { assigneA: 999999 })).json().fieldErrors.assigneA).toBeDefined();
    const inactive = (await t.sql(`select id from users where username = 'ancien'`))[0].id;
    expect((await create(alice, { assigneA: inactive })).json().fieldErrors.assigneA).toBeDefined();
  });

  it('PUT replaces, PATCH updates partially, reassigning is a PATCH of assigneA', async () => {
    const x = (await create(alice, { titre: 'Relance', client: clientA, description: 'd' })).json();
    const p = await alice.patch(`/taches/${x.id}/`, { priorite: 'urgente' });
    expect(p.json()).toMatchObject({ titre: 'Relance', priorite: 'urgente', description: 'd' });
    const toBob = await alice.patch(`/taches/${x.id}/`, { assigneA: bobId });
    expect(toBob.statusCode).toBe(200);
    expect(toBob.json()).toMatchObject({ assigneA: bobId, assigneANom: 'bob Test' });
    // still linked to alice's client: she keeps seeing it; bob sees it as his
    expect((await alice.get(`/taches/${x.id}/`)).statusCode).toBe(200);
    expect((await bob.get(`/taches/${x.id}/`)).statusCode).toBe(200);
    const put = await alice.put(`/taches/${x.id}/`, {
      titre: 'Remplacée',
      priorite: 'basse',
      dateEcheance: dayOffset(3),
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      titre: 'Remplacée',
      description: '',
      client: null,
      projet: null,
      priorite: 'basse',
    });
    expect(
      (await alice.put(`/taches/${x.id}/`, { titre: 'sans priorité', dateEcheance: dayOffset(3) })).statusCode,
    ).toBe(400);
  });
});

describe('complete, enRetard and the task board', () => {
  it('enRetard: dateEcheance passed and not terminee', async () => {
    expect((await create(alice, { client: clientA, dateEcheance: dayOffset(-1) })).json().enRetard).toBe(true);
    expect((await create(alice, { client: clientA, dateEcheance: dayOffset(0) })).json().enRetard).toBe(false);
    expect(
      (await create(alice, { client: clientA, dateEcheance: dayOffset(-1), statut: 'terminee' })).json(),
    ).toMatchObject({
      enRetard: false,
      dateTerminee: expect.any(String),
    });
  });

  it('PATCH /complete/ is idempotent and keeps the first dateTerminee; leaving terminee clears it', async () => {
    const x = (await create(alice, { titre: 'À finir', client: clientA, dateEcheance: dayOffset(-2) })).json();
    const done = await alice.patch(`/taches/${x.id}/complete/`);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ statut: 'terminee', enRetard: false });
    const first = done.json().dateTerminee;
    expect(Date.now() - Date.parse(first)).toBeLessThan(60_000);
    expect((await column('terminee')).at(-1)).toBe('À finir');
    await new Promise((r) => setTimeout(r, 20));
    const again = await alice.patch(`/taches/${x.id}/complete/`, {});
    expect(again.statusCode).toBe(200);
    expect(again.json().dateTerminee).toBe(first);
    const reopened = await alice.patch(`/taches/${x.id}/`, { statut: 'en_cours' });
    expect(reopened.json()).toMatchObject({ statut: 'en_cours', dateTerminee: null, enRetard: true });
    expect((await bob.patch(`/taches/${x.id}/complete/`)).statusCode).toBe(404);
    expect((await t.anonymous().patch(`/taches/${x.id}/complete/`)).statusCode).toBe(401);
    await expectUniqueKeys();
  });

  it('moves cards within and across statut columns with avant / apres / position; keys stay unique and ordered', async () => {
    // a fresh column for this test: en_cours only holds 'À finir' so far
    const ids: Record<string, number> = {};
    for (const titre of ['P', 'Q', 'R'])
      ids[titre] = (await create(alice, { titre, client: clientA2, statut: 'en_cours' })).json().id;
    expect(await column('en_cours')).toEqual(['À finir', 'P', 'Q', 'R']);
    ids.S = (await create(alice, { titre: 'S', client: clientA2, statut: 'en_cours', position: 0 })).json().id;
    expect(await column('en_cours')).toEqual(['S', 'À finir', 'P', 'Q', 'R']);
    await alice.patch(`/taches/${ids.S}/`, { apres: ids.R });
    expect(await column('en_cours')).toEqual(['À finir', 'P', 'Q', 'R', 'S']);
    const before = await column('a_faire');
    const first = (await manager.get('/taches/?statut=a_faire&ordering=position&pageSize=1')).json().results[0];
    const across = await alice.patch(`/taches/${ids.Q}/`, { statut: 'a_faire', apres: first.id });
    expect(across.json()).toMatchObject({ statut: 'a_faire' });
    expect(await column('a_faire')).toEqual([before[0], 'Q', ...before.slice(1)]);
    expect(await column('en_cours')).toEqual(['À finir', 'P', 'R', 'S']);
    await alice.patch(`/taches/${ids.R}/`, { avant: ids.P });
    expect(await column('en_cours')).toEqual(['À finir', 'R', 'P', 'S']);
    expect((await manager.delete(`/taches/${ids.P}/`)).statusCode).toBe(204);
    expect(await column('en_cours')).toEqual(['À finir', 'R', 'S']);
    // A card of another column, one alice cannot see, or the card itself: 400 on the field.
    const bobs = (await create(bob, { titre: 'Chez Bob', client: clientB, statut: 'en_cours' })).json().id;
    for (const [body, field] of [
      [{ avant: first.id }, 'avant'],
      [{ apres: bobs }, 'apres'],
      [{ avant: ids.S }, 'avant'],
    ] as const) {
      const res = await alice.patch(`/taches/${ids.S}/`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(Object.keys(res.json().fieldErrors)).toEqual([field]);
    }
    await expectUniqueKeys();
  });

  it('concurrent creates, moves and completions keep every column unique and ordered', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        create(alice, { titre: `C${i}`, client: clientA2, statut: i % 2 ? 'a_faire' : 'en_cours', position: i % 3 }),
      ),
    );
    expect(created.map((r) => r.statusCode)).toEqual(created.map(() => 201));
    const ids = created.map((r) => r.json().id as number);
    const ops = await Promise.all(
      ids.flatMap((id, i) => [
        i % 3 === 0
          ? alice.patch(`/taches/${id}/complete/`)
          : alice.patch(`/taches/${id}/`, { statut: i % 2 ? 'en_cours' : 'a_faire', position: i % 4 }),
        alice.patch(`/taches/${ids[(i + 3) % ids.length]}/`, { position: (i * 5) % 6 }),
      ]),
    );
    expect(ops.map((r) => r.statusCode)).toEqual(ops.map(() => 200));
    await expectUniqueKeys();
  });
});

describe('visibility and permissions', () => {
  it('a commercial sees taches assigned to them or linked to their clients, nothing else', async () => {
    const onBobsClientForAlice = (
      await bob.post('/taches/', {
        titre: 'Pour Alice chez Bob',
        client: clientB,
        assigneA: aliceId,
        priorite: 'haute',
        dateEcheance: dayOffset(1),
      })
    ).json();
    const bobsOwn = (
      await bob.post('/taches/', {
        titre: 'Privée Bob',
        client: clientB,
        priorite: 'haute',
        dateEcheance: dayOffset(1),
      })
    ).json();
    const ids = (await alice.get('/taches/?pageSize=100')).json().results.map((x: any) => x.id);
    expect(ids).toContain(onBobsClientForAlice.id);
    expect(ids).not.toContain(bobsOwn.id);
    expect((await alice.get(`/taches/${onBobsClientForAlice.id}/`)).statusCode).toBe(200);
    expect((await alice.patch(`/taches/${onBobsClientForAlice.id}/complete/`)).statusCode).toBe(200);
    expect((await alice.get(`/taches/${bobsOwn.id}/`)).statusCode).toBe(404);
    expect((await alice.patch(`/taches/${bobsOwn.id}/`, { titre: 'volée' })).statusCode).toBe(404);
    expect(
      (await alice.put(`/taches/${bobsOwn.id}/`, { titre: 'volée', priorite: 'basse', dateEcheance: dayOffset(1) }))
        .statusCode,
    ).toBe(404);
    expect((await alice.delete(`/taches/${bobsOwn.id}/`)).statusCode).toBe(403);
    expect((await alice.get(`/clients/${clientB}/taches/`)).statusCode).toBe(404);
    expect((await manager.get(`/taches/${bobsOwn.id}/`)).statusCode).toBe(200);
  });

  it('a tache without client handed to a colleague leaves the caller’s sight', async () => {
    const x = (await create(alice, { titre: 'Perso' })).json();
    expect(x.assigneA).toBe(aliceId);
    const handed = await alice.patch(`/taches/${x.id}/`, { assigneA: bobId });
    expect(handed.statusCode).toBe(200);
    expect(handed.json().assigneA).toBe(bobId);
    expect((await alice.get(`/taches/${x.id}/`)).statusCode).toBe(404);
    expect((await bob.get(`/taches/${x.id}/`)).statusCode).toBe(200);
  });

  it('DELETE: 401 anonymous, 403 commercial, 204 manager', async () => {
    const x = (await create(alice, { client: clientA })).json();
    expect((await t.anonymous().delete(`/taches/${x.id}/`)).statusCode).toBe(401);
    expect((await alice.delete(`/taches/${x.id}/`)).statusCode).toBe(403);
    expect((await manager.delete(`/taches/${x.id}/`)).statusCode).toBe(204);
    expect((await manager.get(`/taches/${x.id}/`)).statusCode).toBe(404);
    expect((await t.anonymous().get('/taches/')).statusCode).toBe(401);
  });
});

describe('taches list: filters, ordering, sub-lists, SQL count', () => {
  let c: number;
  beforeAll(async () => {
    c = (await manager.post('/clients/', { nom: 'Filtres', responsable: aliceId })).json().id;
    const p = (await manager.post('/projets/', { titre: 'Projet F', client: c })).json().id;
    await manager.post('/taches/', {
      titre: 'Urgence électrique',
      client: c,
      priorite: 'urgente',
      dateEcheance: dayOffset(-1),
      assigneA: bobId,
    });
    await manager.post('/taches/', {
      titre: 'Commande',
      client: c,
      projet: p,
      priorite: 'basse',
      dateEcheance: dayOffset(10),
      assigneA: aliceId,
      description: 'Câbles',
    });
    await manager.post('/taches/', {
      titre: 'Réunion',
      client: c,
      priorite: 'haute',
      dateEcheance: dayOffset(3),
      statut: 'terminee',
      assigneA: null,
    });
    await manager.post('/taches/', { titre: 'Planning', client: c, priorite: 'moyenne', dateEcheance: dayOffset(3) });
  });
  const titres = async (q: string, who: RestClient = alice) =>
    (await who.get(`/taches/?client=${c}&${q}`)).json().results.map((x: any) => x.titre);

  it('filters by statut, priorite, assigneA (id or me), projet, échéance range (inclusive), enRetard, search', async () => {
    expect(await titres('statut=terminee')).toEqual(['Réunion']);
    expect(await titres('priorite=urgente')).toEqual(['Urgence électrique']);
    expect(await titres(`assigneA=${bobId}`)).toEqual(['Urgence électrique']);
    expect(await titres('assigneA=me')).toEqual(['Commande']);
    expect(await titres('assigneA=me', manager)).toEqual(['Planning']);
    const projet = (await alice.get(`/projets/?client=${c}`)).json().results[0].id;
    expect(await titres(`projet=${projet}`)).toEqual(['Commande']);
    expect(await titres(`echeanceApres=${dayOffset(3)}&echeanceAvant=${dayOffset(10)}&ordering=dateEcheance`)).toEqual([
      'Réunion',
      'Planning',
      'Commande',
    ]);
    expect(await titres(`echeanceAvant=${dayOffset(3)}&ordering=dateEcheance`)).toEqual([
      'Urgence électrique',
      'Réunion',
      'Planning',
    ]);
    expect(await titres('enRetard=true')).toEqual(['Urgence électrique']);
    expect(await titres('enRetard=false')).toHaveLength(3);
    expect(await titres('search=ELECTRIQUE')).toEqual(['Urgence électrique']);
    expect(await titres('search=cables')).toEqual(['Commande']);
  });

  it('orders by priorite (urgente first with -priorite), dateEcheance; rejects bad values', async () => {
    expect(await titres('ordering=-priorite')).toEqual(['Urgence électrique', 'Réunion', 'Planning', 'Commande']);
    expect(await titres('ordering=priorite')).toEqual(['Commande', 'Planning', 'Réunion', 'Urgence électrique']);
    expect(await titres('ordering=-dateEcheance')).toEqual(['Commande', 'Planning', 'Réunion', 'Urgence électrique']);
    expect((await alice.get('/taches/?assigneA=abc')).json().fieldErrors.assigneA).toBeDefined();
    expect((await alice.get('/taches/?assigneA=0')).statusCode).toBe(400);
    expect((await alice.get('/taches/?echeanceAvant=demain')).json().fieldErrors.echeanceAvant).toBeDefined();
    expect((await alice.get('/taches/?priorite=critique')).statusCode).toBe(400);
    expect((await alice.get('/taches/?enRetard=1')).statusCode).toBe(400);
    expect((await alice.get('/taches/?ordering=titre')).statusCode).toBe(400);
  });

  it('GET /clients/{id}/taches/ is paginated with the same filters; SQL statements do not grow with the page', async () => {
    const sub = await alice.get(`/clients/${c}/taches/?pageSize=2&ordering=-priorite`);
    expect(sub.statusCode).toBe(200);
    expect(sub.json()).toMatchObject({ count: 4, pageSize: 2 });
    expect(sub.json().results.map((x: any) => x.titre)).toEqual(['Urgence électrique', 'Réunion']);
    expect((await alice.get(`/clients/${c}/taches/?statut=terminee`)).json().count).toBe(1);
    expect((await alice.get('/clients/999999/taches/')).statusCode).toBe(404);

    for (let i = 0; i < 30; i++) await create(alice, { titre: `Lot ${i}`, client: c });
    const small = await t.countSql(() => admin.get('/taches/?pageSize=2'));
    const big = await t.countSql(() => admin.get('/taches/?pageSize=100'));
    expect(big.result.json().results.length).toBeGreaterThan(30);
    expect(big.statements.length).toBe(small.statements.length);
    expect(big.statements.length).toBeLessThanOrEqual(3); // session check + count + page
    const subBig = await t.countSql(() => alice.get(`/clients/${c}/taches/?pageSize=100`));
    expect(subBig.result.json().results.length).toBeGreaterThan(30);
    expect(subBig.statements.length).toBeLessThanOrEqual(3);
    const commercial = await t.countSql(() => alice.get('/taches/?pageSize=100&assigneA=me'));
    expect(commercial.statements.length).toBeLessThanOrEqual(3);
  });

  it("one parent's tâches: page, count and parent check in ONE statement (sub-list or client filter), exact beyond", async () => {
    const listing = async (c: RestClient, path: string) => {
      const { result, statements } = await t.countSql(() => c.get(path));
      return {
        status: result.statusCode,
        body: result.json(),
        n: withoutSessionCheck(statements).length,
      };
    };
    const [{ id: fresh }] = await t.sql<{ id: number }>(
      `insert into clients (nom, responsable_id) values ('Un parent', ?) returning id`,
      [aliceId],
    );
    // No child yet: one statement still says count 0 (and that the parent is visible).
    expect(await listing(alice, `/clients/${fresh}/taches/`)).toMatchObject({
      status: 200,
      n: 1,
      body: { count: 0, results: [] },
    });
    for (let i = 0; i < 7; i++) await create(alice, { titre: `Fils ${i}`, client: fresh, dateEcheance: dayOffset(i) });
    const all = (await admin.get(`/taches/?client=${fresh}&pageSize=100`)).json().results.map((x: any) => x.titre);
    expect(all).toEqual(['Fils 0', 'Fils 1', 'Fils 2', 'Fils 3', 'Fils 4', 'Fils 5', 'Fils 6']);
    for (const path of [`/clients/${fresh}/taches/?pageSize=3&page=2`, `/taches/?client=${fresh}&pageSize=3&page=2`]) {
      const page = await listing(alice, path);
      expect(page).toMatchObject({ status: 200, n: 1, body: { count: 7 } });
      expect(page.body.results.map((x: any) => x.titre)).toEqual(['Fils 3', 'Fils 4', 'Fils 5']);
    }
    const reversed = await listing(alice, `/clients/${fresh}/taches/?pageSize=2&ordering=-dateEcheance`);
    expect(reversed.body.results.map((x: any) => x.titre)).toEqual(['Fils 6', 'Fils 5']);
    // Past the end: the count still comes with it.
    expect(await listing(alice, `/clients/${fresh}/taches/?pageSize=5&page=3`)).toMatchObject({
      n: 1,
      body: { count: 7, results: [] },
    });
    // Another commercial's client: 404, from the same statement.
    expect(await listing(bob, `/clients/${fresh}/taches/`)).toMatchObject({ status: 404, n: 1 });
    // More than 200 children: counted and paged the other way, exactly.
    await t.sql(
      `insert into taches (titre, client_id, assigne_a_id, priorite, date_echeance, statut, position)
       select 'Masse ' || g, ?, ?, 'moyenne', current_date + 30 + g, 'a_faire', 1000000 + g from generate_series(1, 240) g`,
      [fresh, aliceId],
    );
    const many = await listing(alice, `/clients/${fresh}/taches/?pageSize=5&page=49`);
    expect(many.body.count).toBe(247);
    expect(many.body.results.map((x: any) => x.titre)).toEqual([
      'Masse 234',
      'Masse 235',
      'Masse 236',
      'Masse 237',
      'Masse 238',
    ]);
  });
});

describe('served over tRPC too', () => {
  it('taches.list and taches.byProjet answer the same procedures at /trpc', async () => {
    const input = encodeURIComponent(JSON.stringify({ assigneA: aliceId, pageSize: 5 }));
    const res = await t.app.inject({
      method: 'GET',
      url: `/trpc/taches.list?input=${input}`,
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(res.statusCode).toBe(200);
    const data = res.json().result.data;
    expect(data.pageSize).toBe(5);
    expect(data.results.every((x: any) => x.assigneA === aliceId)).toBe(true);
    const sub = encodeURIComponent(JSON.stringify({ id: projetA, assigneA: 'me' }));
    const byProjet = await t.app.inject({
      method: 'GET',
      url: `/trpc/taches.byProjet?input=${sub}`,
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(byProjet.statusCode).toBe(200);
    expect(byProjet.json().result.data.results.every((x: any) => x.projet === projetA)).toBe(true);
  });
});
