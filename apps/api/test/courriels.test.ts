/**
 * Without SMTP_HOST (a newcomer's setup): mails go to the local mailbox — `.eml` files under
 * DATA_DIR and the `courriels` rows the admin's « Courriels » page lists. Also: the public devis
 * link in the mail, numbering, and the « never twice » rule for an interrupted transmission.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../src/config.js';
import { sql } from '../src/lib/sql/runner.js';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';
import { pdfText } from './pdf-text.js';

let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient;
let bob: RestClient;
let aliceId: number;
let opp: number;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-data-'));

async function until<T>(what: string, check: () => Promise<T | false | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  t = await startTestApp({ env: { DATA_DIR: dataDir, JOBS_POLL_SECONDS: '0.5', PUBLIC_URL: 'http://crm.test' } });
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  await t.user('bob', 'commercial');
  [admin, manager, alice, bob] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice'), t.as('bob')]);
  const client = (await alice.post('/clients/', { nom: 'Boulangerie Rivière', email: 'contact@boulangerie.fr' })).json()
    .id;
  opp = (await alice.post('/opportunites/', { nom: 'Four à pain', client })).json().id;
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('configuration', () => {
  it('SMTP_HOST has no default: without it, mail goes to the local mailbox', () => {
    expect(loadConfig({}).smtp.host).toBeUndefined();
    expect(loadConfig({ SMTP_HOST: 'smtp.example.fr' }).smtp).toMatchObject({ host: 'smtp.example.fr', port: 587 });
  });

  it('GET /api/entreprise/ tells the SPA the seller on devis is still the placeholder (COMPANY_* unset); 401 anonymous', async () => {
    expect((await alice.get('/entreprise/')).json()).toMatchObject({ nom: 'CRM', aConfigurer: true });
    expect((await t.anonymous().get('/entreprise/')).statusCode).toBe(401);
  });
});

describe('local mailbox (no SMTP_HOST)', () => {
  it('envoyer → the mail is written as .eml under DATA_DIR and listed for admins with its PDF', async () => {
    const d = (
      await alice.post('/devis/', {
        opportunite: opp,
        lignes: [{ designation: 'Four', quantite: 1, prixUnitaire: 4200, tauxTva: 20 }],
      })
    ).json();
    const res = await alice.post(`/devis/${d.id}/envoyer/`);
    expect(res.statusCode).toBe(200);
    const [row] = await until('delivered', async () => {
      const r = await t.sql(`select id, statut, tentatives from courriels where devis_id = ?`, [d.id]);
      return r[0]?.statut === 'envoye' && r;
    });
    expect(row.tentatives).toBe(1);
    expect((await alice.get(`/devis/${d.id}/`)).json().courriel).toEqual({
      statut: 'envoye',
      tentatives: 1,
      derniereErreur: null,
    });

    const eml = path.join(dataDir, 'courriels', `courriel-${row.id}.eml`);
    const mail = await simpleParser(fs.readFileSync(eml));
    expect(mail.subject).toBe(`Devis ${d.numero} (version 1) — CRM`);
    expect((mail.to as any).value[0].address).toBe('contact@boulangerie.fr');
    expect(mail.text).toMatch(/http:\/\/crm\.test\/api\/public\/devis\/[A-Za-z0-9_-]{43}\//);
    expect(mail.attachments[0].filename).toBe(`devis-${d.numero}-v1.pdf`);

    const list = await admin.get(`/courriels/?devis=${d.id}`);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      count: 1,
      page: 1,
      pageSize: 25,
      results: [
        {
          id: row.id,
          destinataire: 'contact@boulangerie.fr',
          statut: 'envoye',
          tentatives: 1,
          devis: d.id,
          expediteur: aliceId,
          expediteurNom: 'alice Test',
        },
      ],
    });
    const detail = (await admin.get(`/courriels/${row.id}/`)).json();
    expect(detail.corpsTexte).toContain('Boulangerie Rivière');
    expect(detail.corpsHtml).toContain('<a href="http://crm.test/api/public/devis/');
    expect(detail.piecesJointes).toEqual([
      {
        id: expect.any(Number),
        nom: `devis-${d.numero}-v1.pdf`,
        type: 'application/pdf',
        taille: expect.any(Number),
        url: expect.stringMatching(/^\/api\/courriels\/\d+\/pieces-jointes\/\d+\/$/),
      },
    ]);
    const pdf = await admin.get(detail.piecesJointes[0].url.replace(/^\/api/, ''));
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdfText(pdf.rawPayload)).toContain(d.numero);
    expect((await admin.get('/courriels/?statut=echec')).json().count).toBe(0);
    expect((await admin.get('/courriels/?statut=nope')).statusCode).toBe(400);
  });

  it('the outbox is admin only: 401 anonymous, 403 manager and commercial (list, detail, attachment)', async () => {
    const [m] = await t.sql(
      `select m.id, p.id as pj from courriels m join courriel_pieces_jointes p on p.courriel_id = m.id limit 1`,
    );
    expect((await t.anonymous().get('/courriels/')).statusCode).toBe(401);
    for (const c of [manager, alice]) {
      expect((await c.get('/courriels/')).statusCode).toBe(403);
      expect((await c.get(`/courriels/${m.id}/`)).statusCode).toBe(403);
      const pj = await c.get(`/courriels/${m.id}/pieces-jointes/${m.pj}/`);
      expect(pj.statusCode).toBe(403);
      expect(pj.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await admin.get('/courriels/999999/')).statusCode).toBe(404);
    expect((await admin.get(`/courriels/${m.id}/pieces-jointes/999999/`)).statusCode).toBe(404);
  });

  it('a list runs the same number of SQL statements for 1 or many mails', async () => {
    const one = await t.countSql(() => admin.get('/courriels/?pageSize=1'));
    const many = await t.countSql(() => admin.get('/courriels/?pageSize=100'));
    expect(many.statements.length).toBe(one.statements.length);
  });

  it('never twice: a mail whose transmission was under way when its worker died is not sent again but marked echec', async () => {
    const d = (await alice.post('/devis/', { opportunite: opp, montant: 10 })).json();
    await t.deps.jobs.stop();
    try {
      expect((await alice.post(`/devis/${d.id}/envoyer/`)).statusCode).toBe(200);
      // What a worker killed during the SMTP DATA leaves behind: an old claim in « transmission ».
      const [m] = await t.sql(
        `update courriels set envoi_jeton = gen_random_uuid(), envoi_debut = now() - interval '1 hour', envoi_phase = 'transmission', tentatives = 1
          where devis_id = ? returning id`,
        [d.id],
      );
      await t.deps.jobs.start();
      const [row] = await until('marked echec', async () => {
        const r = await t.sql(`select statut, tentatives, derniere_erreur from courriels where id = ?`, [m.id]);
        return r[0].statut === 'echec' && r;
      });
      expect(row.tentatives).toBe(1);
      expect(row.derniere_erreur).toMatch(/peut-être été reçu/);
      expect(fs.existsSync(path.join(dataDir, 'courriels', `courriel-${m.id}.eml`))).toBe(false);
      expect((await alice.get(`/devis/${d.id}/`)).json().courriel).toMatchObject({ statut: 'echec', tentatives: 1 });
      // The sender is told (audit log, notification) in a transaction after the one marking echec: wait for it.
      const audited = await until('audited', async () => {
        const r = await t.sql(`select user_id from audit_log where action = 'courriel.echec' and entity_id = ?`, [
          d.id,
        ]);
        return r.length > 0 && r;
      });
      expect(audited).toEqual([{ user_id: aliceId }]);
      // The sender is told in the app.
      const notices = (await alice.get('/notifications/?nonLues=true')).json().results;
      expect(notices.filter((n: any) => n.type === 'courriel_echec')).toEqual([
        expect.objectContaining({ lien: `/devis/${d.id}` }),
      ]);
    } finally {
      await t.deps.jobs.start();
    }
  });
});

describe('numero', () => {
  it('D<year>-<5 digits>, sequential per year without gaps under 20 parallel creates; kept by versions; read-only', async () => {
    const [{ year }] = await t.sql(`select extract(year from now() at time zone 'Europe/Paris')::int as year`);
    const client = (await bob.post('/clients/', { nom: 'Série', email: 'serie@example.fr' })).json().id;
    const oppIds: number[] = [];
    for (let i = 0; i < 20; i++) oppIds.push((await bob.post('/opportunites/', { nom: `Lot ${i}`, client })).json().id);
    const [{ n: before }] = await t.sql(
      `select coalesce(max(dernier), 0)::int as n from devis_compteurs where annee = ?`,
      [year],
    );
    // A create that rolls back gives its number back (the counter row is updated in the transaction).
    await expect(
      t.orm.em.fork().transactional(async (em) => {
        await sql(em, 'insert into devis (opportunite_id, montant, version) values (?, 1, 1)', [oppIds[0]]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const created = await Promise.all(
      oppIds.map((o) => bob.post('/devis/', { opportunite: o, montant: 10, numero: 'D1999-00001' })),
    );
    expect(created.map((r) => r.statusCode)).toEqual(oppIds.map(() => 201));
    const numeros = created.map((r) => r.json().numero).sort();
    expect(numeros).toEqual(
      Array.from({ length: 20 }, (_, i) => `D${year}-${String(before + 1 + i).padStart(5, '0')}`),
    );

    const first = created[0].json();
    const v2 = (await bob.post(`/devis/${first.id}/nouvelle-version/`)).json();
    const v3 = (await bob.post('/devis/', { opportunite: first.opportunite, montant: 30 })).json();
    expect([v2.numero, v2.version, v3.numero, v3.version]).toEqual([first.numero, 2, first.numero, 3]);
    expect((await bob.patch(`/devis/${first.id}/`, { numero: 'X' })).json().numero).toBe(first.numero);
    const list = (await bob.get(`/devis/?opportunite=${first.opportunite}`)).json();
    expect(list.results.map((d: any) => d.numero)).toEqual([first.numero, first.numero, first.numero]);
    const pdf = pdfText((await bob.get(`/devis/${v3.id}/pdf/`)).rawPayload);
    expect(pdf).toContain(first.numero);
  });
});
