/**
 * Bad bytes never give a 500: always a 4xx in the contract shape `{ code, message, fieldErrors }`,
 * naming the field when there is one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let paul: RestClient;
let clientId: number;
let opportuniteId: number;
let devisId: number;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('paul', 'commercial');
  admin = await t.as('admin');
  paul = await t.as('paul');
  clientId = (await paul.post('/clients/', { nom: 'Acme' })).json().id;
  opportuniteId = (await paul.post('/opportunites/', { nom: 'Affaire', client: clientId, montant: 100 })).json().id;
  devisId = (await paul.post('/devis/', { opportunite: opportuniteId, montant: 50 })).json().id;
});
afterAll(async () => t?.close());

type Res = Awaited<ReturnType<RestClient['get']>>;
function expectContract(res: Res, status: number) {
  expect(res.statusCode).toBe(status);
  const body = res.json();
  expect(Object.keys(body).sort()).toEqual(['code', 'fieldErrors', 'message']);
  expect(typeof body.message).toBe('string');
  return body as { code: string; message: string; fieldErrors: Record<string, string[]> };
}

describe('deeply nested JSON', () => {
  const deepArray = '['.repeat(8000) + ']'.repeat(8000);
  const deepObject = `${'{"a":'.repeat(8000)}1${'}'.repeat(8000)}`;

  it('REST, unauthenticated and authenticated: 400', async () => {
    for (const payload of [deepArray, deepObject]) {
      const anon = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(expectContract(anon, 400).code).toBe('BAD_REQUEST');
      const authed = await t.app.inject({
        method: 'POST',
        url: '/api/clients/',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
        payload: `{"nom":"x","notes":${payload}}`,
      });
      expectContract(authed, 400);
    }
  });

  it('tRPC (body and ?input=): 400', async () => {
    const post = await t.app.inject({
      method: 'POST',
      url: '/trpc/auth.login',
      headers: { 'content-type': 'application/json' },
      payload: deepObject,
    });
    expect(post.statusCode).toBe(400);
    expect(post.body).toContain('BAD_REQUEST');
    // In a query string (kept under the URI length limit: 1 000 levels).
    const deepQuery = '['.repeat(1000) + ']'.repeat(1000);
    const get = await t.app.inject({
      method: 'GET',
      url: `/trpc/clients.list?input=${encodeURIComponent(`{"search":${deepQuery}}`)}`,
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(get.statusCode).toBe(400);
    const batch = await t.app.inject({
      method: 'GET',
      url: `/trpc/health.check?batch=1&input=${encodeURIComponent(`{"0":${deepQuery}}`)}`,
    });
    expect(batch.statusCode).toBe(400);
  });

  it('reasonable nesting is still accepted', async () => {
    const lignes = [{ designation: 'a', quantite: 1, prixUnitaire: 10, tauxTva: 20 }];
    expect((await paul.post('/devis/', { opportunite: opportuniteId, lignes })).statusCode).toBe(201);
  });
});

describe('ids have one spelling: canonical positive decimal integers', () => {
  it.each(['0x1', '1e0', '1.0', '01', '0b1', '+1', '%201', '1%20', '-1', '0'])(
    'GET /api/clients/%s/ → 400 or 404, never the client',
    async (spelling) => {
      // Creating clients until one has id 1 is not needed: ids start at 1 in a fresh database.
      expect(clientId).toBe(1);
      const res = await paul.get(`/clients/${spelling}/`);
      expect([400, 404]).toContain(res.statusCode);
      expectContract(res, res.statusCode);
    },
  );

  it.each(['0x1', '1e0', '1.0', '01', '0b1'])(
    'GET /api/devis/%s/pdf/ (a plain route) → 400, never the PDF',
    async (spelling) => {
      expect(devisId).toBe(1);
      expectContract(await paul.get(`/devis/${spelling}/pdf/`), 400);
    },
  );

  it.each(['0x1', '1e0', '1.0', '01', '0b1'])('?client=%s filter → 400 naming the filter', async (spelling) => {
    const body = expectContract(await paul.get(`/projets/?client=${spelling}`), 400);
    expect(Object.keys(body.fieldErrors)).toEqual(['client']);
  });

  it('the canonical spelling works', async () => {
    expect((await paul.get(`/clients/${clientId}/`)).statusCode).toBe(200);
    expect((await paul.get(`/projets/?client=${clientId}`)).statusCode).toBe(200);
    expect((await paul.get(`/devis/${devisId}/pdf/`)).statusCode).toBe(200);
    expect((await paul.get(`/opportunites/?montantMin=10.5`)).statusCode).toBe(200);
  });
});

describe('values the database cannot hold are 400 on their field', () => {
  it('dateEcheance 0000-01-01', async () => {
    const body = expectContract(
      await paul.post('/taches/', { titre: 'T', priorite: 'haute', dateEcheance: '0000-01-01' }),
      400,
    );
    expect(Object.keys(body.fieldErrors)).toEqual(['dateEcheance']);
    expect(
      (await paul.post('/taches/', { titre: 'T', priorite: 'haute', dateEcheance: '0001-01-01' })).statusCode,
    ).toBe(201);
  });

  it('devis lines whose total overflows numeric(14,2) → 400 on lignes', async () => {
    const lignes = Array.from({ length: 3 }, () => ({
      designation: 'x',
      quantite: 1_000_000,
      prixUnitaire: 999_999_999_999.99,
      tauxTva: 20,
    }));
    const body = expectContract(await paul.post('/devis/', { opportunite: opportuniteId, lignes }), 400);
    expect(Object.keys(body.fieldErrors)).toEqual(['lignes']);
    expect(body.fieldErrors.lignes[0]).toMatch(/trop élevé/);
  });

  it('more than 2 decimals in any money field → 400, never rounded', async () => {
    const bad = 12.34999999999;
    const cases: Array<[string, () => Promise<Res>, string]> = [
      [
        'opportunite.montant',
        () => paul.post('/opportunites/', { nom: 'O', client: clientId, montant: bad }),
        'montant',
      ],
      ['projet.budget', () => paul.post('/projets/', { titre: 'P', client: clientId, budget: bad }), 'budget'],
      ['devis.montant', () => paul.post('/devis/', { opportunite: opportuniteId, montant: bad }), 'montant'],
      [
        'devis ligne prixUnitaire',
        () =>
          paul.post('/devis/', {
            opportunite: opportuniteId,
            lignes: [{ designation: 'a', quantite: 1, prixUnitaire: bad, tauxTva: 20 }],
          }),
        'lignes.0.prixUnitaire',
      ],
      ['montantMin filter', () => paul.get(`/opportunites/?montantMin=${bad}`), 'montantMin'],
    ];
    for (const [, call, field] of cases) {
      const body = expectContract(await call(), 400);
      expect(Object.keys(body.fieldErrors)).toEqual([field]);
    }
    expect((await paul.post('/opportunites/', { nom: 'O', client: clientId, montant: 12.35 })).json().montant).toBe(
      12.35,
    );
  });
});

describe('users list ordering', () => {
  it('an unknown field → 400 on ordering', async () => {
    const body = expectContract(await paul.get('/users/?ordering=xyz'), 400);
    expect(Object.keys(body.fieldErrors)).toEqual(['ordering']);
    expectContract(await paul.get('/users/?ordering=password_hash'), 400);
  });

  it('username, lastName, dateCreation, role, ascending or descending', async () => {
    const names = async (ordering: string) =>
      (await paul.get(`/users/?ordering=${ordering}`)).json().results.map((u: { username: string }) => u.username);
    expect(await names('username')).toEqual(['admin', 'paul']);
    expect(await names('-username')).toEqual(['paul', 'admin']);
    expect(await names('role')).toEqual(['admin', 'paul']);
    expect(await names('-role')).toEqual(['paul', 'admin']);
    expect(await names('dateCreation')).toEqual(['admin', 'paul']);
    expect((await paul.get('/users/?ordering=-lastName')).statusCode).toBe(200);
  });
});

describe('invisible characters in names', () => {
  it('zero-width and bidi-override characters are stripped', async () => {
    const res = await paul.post('/clients/', {
      nom: 'Ac\u200Bme\u202E moc.evil\u202C',
      societe: '\uFEFFSoc\u2066iété\u2069',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().nom).toBe('Acme moc.evil');
    expect(res.json().societe).toBe('Société');
  });

  it('a name made only of them is blank → 400 on nom', async () => {
    const body = expectContract(await paul.post('/clients/', { nom: '\u200B\u200D\u202E' }), 400);
    expect(Object.keys(body.fieldErrors)).toEqual(['nom']);
  });
});

describe('references to users that do not exist: 400 on the field, for a commercial as for an admin', () => {
  it.each([['admin'], ['commercial']])('%s: client responsable, tâche assigneA', async (who) => {
    const as = who === 'admin' ? admin : paul;
    let body = expectContract(await as.post('/clients/', { nom: 'X', responsable: 99_999 }), 400);
    expect(Object.keys(body.fieldErrors)).toEqual(['responsable']);
    body = expectContract(
      await as.post('/taches/', { titre: 'T', priorite: 'haute', dateEcheance: '2030-01-01', assigneA: 99_999 }),
      400,
    );
    expect(Object.keys(body.fieldErrors)).toEqual(['assigneA']);
  });

  it('a commercial giving a client to an existing colleague is still refused (403)', async () => {
    const other = await t.user('julie', 'commercial');
    expectContract(await paul.post('/clients/', { nom: 'Y', responsable: other }), 403);
  });
});
