/**
 * The public devis page: a link with an unguessable token (stored hashed) lets the client view,
 * download, accept or refuse the devis without an account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_DEVIS_MAX } from '../src/routes/devisPublic.js';
import { createPublicLink } from '../src/services/devisLiens.js';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';
import { pdfText } from './pdf-text.js';

let t: TestApp;
let alice: RestClient;
let manager: RestClient;
let opp: number;
let n = 0;

/** A devis sent to the client, and the token its mail carries. */
async function sentDevis(extra: Record<string, unknown> = {}): Promise<{ id: number; numero: string; token: string }> {
  const o = (
    await alice.post('/opportunites/', {
      nom: `Projet ${++n}`,
      client: (await alice.get(`/opportunites/${opp}/`)).json().client,
    })
  ).json().id;
  const d = (await alice.post('/devis/', { opportunite: o, montant: 1000, contenu: 'Acompte 30 %', ...extra })).json();
  expect((await alice.post(`/devis/${d.id}/envoyer/`)).statusCode).toBe(200);
  const [m] = await t.sql(`select corps_texte from courriels where devis_id = ? order by id desc limit 1`, [d.id]);
  const token = /\/api\/public\/devis\/([A-Za-z0-9_-]+)\//.exec(m.corps_texte)![1];
  return { id: d.id, numero: d.numero, token };
}

/** Public requests from one client IP (the rate limit is per IP). */
const pub = (
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
  ip = '203.0.113.7',
) =>
  t.app.inject({
    method,
    url: `/api/public/devis/${url}`,
    remoteAddress: ip,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    payload: body !== undefined ? JSON.stringify(body) : undefined,
  });

beforeAll(async () => {
  t = await startTestApp({ env: { DATA_DIR: '/tmp/crm-public-test', JOBS_WORKERS: 'false' } });
  await t.user('alice', 'commercial');
  await t.user('manager', 'manager');
  [alice, manager] = await Promise.all([t.as('alice'), t.as('manager')]);
  const client = (
    await alice.post('/clients/', { nom: 'Mme Leroy', societe: 'Leroy & Fils', email: 'leroy@example.fr' })
  ).json().id;
  opp = (await alice.post('/opportunites/', { nom: 'Base', client })).json().id;
});
afterAll(async () => t?.close());

describe('public devis link', () => {
  it('stores only a hash of a 256-bit token', async () => {
    const { id, token } = await sentDevis();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await t.sql(`select encode(token_hash, 'hex') as h from devis_liens where devis_id = ?`, [id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].h).toHaveLength(64);
    expect(rows[0].h).not.toContain(Buffer.from(token).toString('hex').slice(0, 16));
  });

  it('GET: JSON summary; the first view of an envoye devis sets consulte and dateConsultation (once)', async () => {
    const { id, numero, token } = await sentDevis();
    const res = await pub('GET', `${token}/`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      numero,
      version: 1,
      statut: 'consulte',
      objet: expect.stringMatching(/^Projet/),
      client: { nom: 'Mme Leroy', societe: 'Leroy & Fils' },
      montant: 1000,
      montantTva: 200,
      montantTtc: 1200,
      contenu: 'Acompte 30 %',
      pdf: `/api/public/devis/${token}/pdf/`,
    });
    const first = (await alice.get(`/devis/${id}/`)).json();
    expect(first).toMatchObject({ statut: 'consulte' });
    expect(first.dateConsultation).toMatch(/Z$/);
    await pub('GET', `${token}/`);
    expect((await alice.get(`/devis/${id}/`)).json().dateConsultation).toBe(first.dateConsultation);
    const pdf = await pub('GET', `${token}/pdf/`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdfText(pdf.rawPayload)).toContain(numero);
  });

  it('Accept: text/html gives the French page with the accept and refuse forms', async () => {
    const { numero, token } = await sentDevis();
    const res = await pub('GET', `${token}/`, undefined, { accept: 'text/html' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<html lang="fr">');
    expect(res.body).toContain(`Devis ${numero} v1`);
    expect(res.body).toContain('Bon pour accord');
    expect(res.body).toContain('Refuser le devis');
  });

  it('accept: name + bonPourAccord → accepte with date, signer and IP; the PDF carries the acceptance; the link is then void', async () => {
    const { id, token } = await sentDevis();
    const missing = await pub('POST', `${token}/accepter/`, { nom: 'Claire Leroy' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { bonPourAccord: ['Cochez « Bon pour accord » pour accepter le devis.'] },
    });
    expect(
      (await pub('POST', `${token}/accepter/`, { nom: ' ', bonPourAccord: true })).json().fieldErrors,
    ).toHaveProperty('nom');
    const ok = await pub('POST', `${token}/accepter/`, { nom: 'Claire Leroy', bonPourAccord: true });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ statut: 'accepte', signataire: 'Claire Leroy' });
    const [row] = await t.sql(`select statut, signataire, ip_reponse, date_reponse from devis where id = ?`, [id]);
    expect(row).toMatchObject({ statut: 'accepte', signataire: 'Claire Leroy', ip_reponse: '203.0.113.7' });
    expect(row.date_reponse).not.toBeNull();
    expect((await alice.get(`/devis/${id}/`)).json()).toMatchObject({ statut: 'accepte', signataire: 'Claire Leroy' });
    const text = pdfText((await alice.get(`/devis/${id}/pdf/`)).rawPayload);
    expect(text).toContain('BON POUR ACCORD');
    expect(text).toContain('Claire Leroy');
    for (const [method, path] of [
      ['GET', `${token}/`],
      ['GET', `${token}/pdf/`],
      ['POST', `${token}/refuser/`],
    ] as const) {
      const gone = await pub(method, path, method === 'POST' ? {} : undefined);
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toEqual({ code: 'NOT_FOUND', message: 'Ressource introuvable.', fieldErrors: {} });
    }
    expect(await t.sql(`select 1 from audit_log where action = 'devis.accepte' and entity_id = ?`, [id])).toHaveLength(
      1,
    );
    // The responsable is told in the app; the timeline shows the view and the answer; integrations get webhook rows.
    const notices = (await alice.get('/notifications/?nonLues=true')).json().results.map((n: any) => n.type);
    expect(notices).toEqual(expect.arrayContaining(['devis_accepte']));
    const events = await t.sql(`select type from evenements where (donnees->>'devis')::int = ? order by id`, [id]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['devis_accepte']));
  });

  it('the client’s view and answer are webhook events carrying the devis REST detail', async () => {
    await t.sql(
      `insert into webhooks (url, evenements, secret, cree_par_id) values ('https://exemple.fr/crochet', '{devis.consulte,devis.accepte,devis.refuse}', 'whsec_eA==', ?)`,
      [(await t.sql(`select id from users where username = 'manager'`))[0].id],
    );
    const { id, token } = await sentDevis();
    expect((await pub('GET', `${token}/`)).statusCode).toBe(200);
    expect((await pub('POST', `${token}/accepter/`, { nom: 'Claire Leroy', bonPourAccord: true })).statusCode).toBe(
      200,
    );
    const rows = await t.sql(`select evenement, payload from webhook_livraisons where cle = ? order by id`, [
      `devis:${id}`,
    ]);
    expect(rows.map((r) => r.evenement)).toEqual(['devis.consulte', 'devis.accepte']);
    expect(rows[1].payload.data).toEqual((await manager.get(`/devis/${id}/`)).json());
    await t.sql(`delete from webhooks`);
  });

  it('refuse with an optional reason', async () => {
    const { id, token } = await sentDevis();
    const res = await pub('POST', `${token}/refuser/`, { motif: 'Trop cher' });
    expect(res.statusCode).toBe(200);
    const [row] = await t.sql(`select statut, motif_refus, ip_reponse, date_reponse from devis where id = ?`, [id]);
    expect(row).toMatchObject({ statut: 'refuse', motif_refus: 'Trop cher', ip_reponse: '203.0.113.7' });
    const other = await sentDevis();
    expect((await pub('POST', `${other.token}/refuser/`)).json().statut).toBe('refuse');
  });

  it('404 in the contract shape for an unknown, malformed, expired or superseded token; two answers cannot both win', async () => {
    for (const bad of ['x', 'A'.repeat(43), '../../devis']) {
      const res = await pub('GET', `${encodeURIComponent(bad)}/`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
    const html = await pub('GET', `${'A'.repeat(43)}/`, undefined, { accept: 'text/html' });
    expect(html.statusCode).toBe(404);
    expect(html.body).toContain('n’est plus valable');

    const old = await sentDevis();
    await t.sql(`update devis set date_creation = now() - interval '31 days' where id = ?`, [old.id]);
    expect((await pub('GET', `${old.token}/`)).statusCode).toBe(404);

    const v1 = await sentDevis();
    expect((await alice.post(`/devis/${v1.id}/nouvelle-version/`)).statusCode).toBe(201);
    expect((await pub('GET', `${v1.token}/`)).statusCode).toBe(404);

    const race = await sentDevis();
    const answers = await Promise.all([
      pub('POST', `${race.token}/accepter/`, { nom: 'A', bonPourAccord: true }),
      pub('POST', `${race.token}/refuser/`, {}),
    ]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 404]);
  });

  it('a token of a brouillon (never sent, or back to draft) opens nothing', async () => {
    const d = (await manager.post('/devis/', { opportunite: opp, montant: 5 })).json();
    const token = await createPublicLink(t.orm.em.fork(), d.id);
    expect((await pub('GET', `${token}/`)).statusCode).toBe(404);
  });

  it(`rate limited per IP (${PUBLIC_DEVIS_MAX} requests): then 429 with Retry-After; other IPs unaffected`, async () => {
    const ip = '198.51.100.9';
    for (let i = 0; i < PUBLIC_DEVIS_MAX; i++)
      expect((await pub('GET', 'nope/', undefined, {}, ip)).statusCode).toBe(404);
    const limited = await pub('GET', 'nope/', undefined, {}, ip);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect((await pub('GET', 'nope/', undefined, {}, '198.51.100.10')).statusCode).toBe(404);
  });

  it('everything else under /api still needs authentication', async () => {
    const anon = t.anonymous();
    for (const path of ['/devis/', '/courriels/', '/public/', '/public/devis/', '/clients/']) {
      const res = await anon.get(path);
      expect([401, 404], path).toContain(res.statusCode);
      if (res.statusCode === 404) expect(path.startsWith('/public')).toBe(true);
    }
    expect((await anon.get('/devis/')).statusCode).toBe(401);
  });

  it('is documented in /api/openapi.json', async () => {
    const doc = (await t.anonymous().get('/openapi.json')).json();
    for (const p of [
      '/public/devis/{token}/',
      '/public/devis/{token}/pdf/',
      '/public/devis/{token}/accepter/',
      '/public/devis/{token}/refuser/',
      '/courriels/',
      '/courriels/{id}/',
      '/courriels/{id}/pieces-jointes/{pj}/',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
  });
});
