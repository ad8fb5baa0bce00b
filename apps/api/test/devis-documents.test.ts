import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';
import { pdfText } from './pdf-text.js';

let t: TestApp;
let smtp: SMTPServer;
const received: ParsedMail[] = [];
let admin: RestClient;
let alice: RestClient;
let bob: RestClient;
let aliceId: number;
const ids: Record<string, number> = {};

// 3 × 450,50 + 1 × 120 + 2,5 × 80 = 1 671,50 HT; TVA 270,30 + 24,00 + 11,00 = 305,30; TTC 1 976,80.
const LIGNES = [
  { designation: 'Développement du site vitrine', quantite: 3, prixUnitaire: 450.5, tauxTva: 20 },
  { designation: 'Hébergement annuel', quantite: 1, prixUnitaire: 120, tauxTva: 20 },
  { designation: 'Formation à l’outil (demi-journées)', quantite: 2.5, prixUnitaire: 80, tauxTva: 5.5 },
];

async function devis(
  name: string,
  opportunite: string,
  statut: string,
  version: number,
  extra: Record<string, unknown> = {},
) {
  const [row] = await t.sql(
    `insert into devis (opportunite_id, montant, montant_tva, statut, version, contenu, lignes) values (?, ?, ?, ?, ?, ?, ?::jsonb) returning id`,
    [
      ids[opportunite],
      extra.montant ?? '1671.50',
      extra.montant_tva ?? '305.30',
      statut,
      version,
      extra.contenu ?? 'Paiement à 30 jours fin de mois.\nDélai de réalisation : 6 semaines.',
      JSON.stringify(extra.lignes === undefined ? LIGNES : extra.lignes),
    ],
  );
  ids[name] = row.id;
}

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('refus'))
        return cb(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      cb();
    },
    onData(stream, _session, cb) {
      simpleParser(stream).then((m) => {
        received.push(m);
        cb();
      }, cb);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  t = await startTestApp({
    env: {
      // The company shown on devis comes from the settings (COMPANY_NAME…, read by config.ts).
      COMPANY_NAME: 'Atelier Numérique',
      COMPANY_ADDRESS: '12 rue des Lilas | 69003 Lyon',
      COMPANY_CONTACT: '04 72 00 00 00 — contact@atelier-numerique.fr',
      COMPANY_LEGAL: 'SAS au capital de 10 000 € — SIRET 123 456 789 00012',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_FROM: 'Ventes <ventes@crm.test>',
      SMTP_TIMEOUT_SECONDS: '2',
      MAIL_RETRY_SECONDS: '1',
      JOBS_POLL_SECONDS: '0.5',
      PUBLIC_URL: 'https://crm.example.fr',
    },
  });
  await t.user('admin', 'admin');
  aliceId = await t.user('alice', 'commercial');
  const bobId = await t.user('bob', 'commercial');
  [admin, alice, bob] = await Promise.all([t.as('admin'), t.as('alice'), t.as('bob')]);

  const client = async (name: string, cols: Record<string, unknown>) => {
    const [row] = await t.sql(
      `insert into clients (nom, societe, email, responsable_id) values (?, ?, ?, ?) returning id`,
      [cols.nom, cols.societe ?? '', cols.email ?? null, cols.responsable ?? aliceId],
    );
    ids[name] = row.id;
  };
  await client('c1', { nom: 'Hélène Dupré', societe: 'Crème & Cœur SARL', email: 'helene@creme-coeur.fr' });
  await client('c2', { nom: 'Sans Courriel', societe: 'Muet SA' });
  await client('c3', { nom: 'Refus Total', email: 'refus@blackhole.test' });
  await client('cb', { nom: 'Client de Bob', email: 'bob-client@example.fr', responsable: bobId });
  let pos = 0;
  for (const [name, c] of [
    ['o1', 'c1'],
    ['o2', 'c2'],
    ['o3', 'c3'],
    ['ob', 'cb'],
  ]) {
    const [row] = await t.sql(
      `insert into opportunites (nom, client_id, responsable_id, montant, position) values (?, ?, ?, 1671.50, ?) returning id`,
      [`Refonte du site ${name}`, ids[c], aliceId, pos++],
    );
    ids[name] = row.id;
  }
  await devis('d1', 'o1', 'brouillon', 1);
  await devis('dNoMail', 'o2', 'brouillon', 1);
  await devis('dRefusMail', 'o3', 'brouillon', 1);
  await devis('dAccepte', 'o1', 'accepte', 2);
  await devis('dRefuse', 'o1', 'refuse', 3);
  await devis('dBob', 'ob', 'brouillon', 1);
  await devis('dSansLignes', 'o1', 'consulte', 4, {
    montant: '1000.00',
    montant_tva: '200.00',
    lignes: null,
    contenu: '',
  });
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});
beforeEach(() => {
  received.length = 0;
});

describe('GET /api/devis/{id}/pdf/', () => {
  it('answers a French PDF with the client, the lines and the exact totals', async () => {
    const res = await alice.get(`/devis/${ids.d1}/pdf/`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^inline; filename="devis-D\d{4}-\d{5}-v1\.pdf"$/);
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    if (process.env.KEEP_PDF) fs.writeFileSync(process.env.KEEP_PDF, res.rawPayload);
    const text = pdfText(res.rawPayload);
    for (const s of [
      'Atelier Numérique',
      'DEVIS',
      'Hélène Dupré',
      'Crème & Cœur SARL',
      'helene@creme-coeur.fr',
      'Refonte du site o1',
      'Désignation',
      'Quantité',
      'PU HT',
      'TVA %',
      'Total HT',
      'Développement du site vitrine',
      '450,50 €',
      '1 351,50 €',
      '2,5',
      '5,5 %',
      '1 671,50 €',
      '305,30 €',
      '1 976,80 €',
      'Paiement à 30 jours fin de mois.',
    ]) {
      expect(text, s).toContain(s);
    }
  });

  it('prints a devis without lines as one line with its rate', async () => {
    const text = pdfText((await admin.get(`/devis/${ids.dSansLignes}/pdf/`)).rawPayload);
    expect(text).toContain('1 000,00 €');
    expect(text).toContain('20 %');
    expect(text).toContain('1 200,00 €');
    expect(text).toContain('Consulté');
  });

  it('denies: 401 anonymous, 404 not visible or missing, 400 bad id — in the contract shape', async () => {
    const anon = await t.anonymous().get(`/devis/${ids.d1}/pdf/`);
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const hidden = await bob.get(`/devis/${ids.d1}/pdf/`);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual({ code: 'NOT_FOUND', message: 'Ressource introuvable.', fieldErrors: {} });
    expect((await admin.get('/devis/999999/pdf/')).statusCode).toBe(404);
    const bad = await admin.get('/devis/abc/pdf/');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fieldErrors.id).toBeDefined();
    expect((await admin.get(`/devis/${ids.d1}/pdf`)).statusCode).toBe(200);
  });

  it('the seller is configured (COMPANY_*): no warning for the SPA', async () => {
    expect((await alice.get('/entreprise/')).json()).toMatchObject({ nom: 'Atelier Numérique', aConfigurer: false });
  });

  it('is documented in /api/openapi.json', async () => {
    const doc = (await t.anonymous().get('/openapi.json')).json();
    expect(doc.paths['/devis/{id}/pdf/'].get.responses['200'].content['application/pdf']).toBeDefined();
    expect(doc.paths['/devis/{id}/envoyer/'].post).toBeDefined();
  });
});

/** The devis' latest outbox mail once it reached `statut` (the worker delivers in the background). */
async function courriel(devisId: number, statut: string, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await t.sql(
      `select statut, tentatives, derniere_erreur from courriels where devis_id = ? order by id desc limit 1`,
      [devisId],
    );
    if (row?.statut === statut) return row;
    if (Date.now() > end) throw new Error(`courriel of devis ${devisId}: ${JSON.stringify(row)}, expected ${statut}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('POST /api/devis/{id}/envoyer/', () => {
  it('answers at once with the devis envoye and its mail en_attente; the worker then mails the PDF with the public link', async () => {
    const before = Date.now();
    const res = await alice.post(`/devis/${ids.d1}/envoyer/`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: ids.d1,
      opportunite: ids.o1,
      client: ids.c1,
      clientNom: 'Hélène Dupré',
      statut: 'envoye',
      version: 1,
      montant: 1671.5,
      montantTva: 305.3,
      montantTtc: 1976.8,
      lignes: LIGNES,
      courriel: { statut: 'en_attente', tentatives: 0, derniereErreur: null },
    });
    expect(body.numero).toMatch(/^D\d{4}-\d{5}$/);
    expect(Date.parse(body.dateEnvoi)).toBeGreaterThanOrEqual(before - 1000);
    expect(body.dateEnvoi).toMatch(/Z$/);

    await courriel(ids.d1, 'envoye');
    expect((await alice.get(`/devis/${ids.d1}/`)).json().courriel).toEqual({
      statut: 'envoye',
      tentatives: 1,
      derniereErreur: null,
    });
    expect(received).toHaveLength(1);
    const mail = received[0];
    expect((mail.to as any).value.map((a: any) => a.address)).toEqual(['helene@creme-coeur.fr']);
    expect(mail.from?.value[0].address).toBe('ventes@crm.test');
    expect(mail.subject).toBe(`Devis ${body.numero} (version 1) — Atelier Numérique`);
    expect(mail.messageId).toMatch(/@crm\.test>?$/);
    const text = mail.text?.replace(/\s+/g, ' ') ?? '';
    expect(text).toContain('1 976,80 €');
    expect(text).toMatch(/https:\/\/crm\.example\.fr\/api\/public\/devis\/[A-Za-z0-9_-]{43}\//);
    expect(mail.attachments).toHaveLength(1);
    const att = mail.attachments[0];
    expect(att.contentType).toBe('application/pdf');
    expect(att.filename).toBe(`devis-${body.numero}-v1.pdf`);
    const pdf = pdfText(att.content);
    for (const s of ['Hélène Dupré', '1 671,50 €', '305,30 €', '1 976,80 €', 'Envoyé', body.numero])
      expect(pdf, s).toContain(s);

    const [row] = await t.sql(`select statut, date_envoi from devis where id = ?`, [ids.d1]);
    expect(row.statut).toBe('envoye');
    expect(row.date_envoi).not.toBeNull();
    const audits = await t.sql(
      `select user_id, details from audit_log where action = 'devis.envoye' and entity_id = ?`,
      [ids.d1],
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ user_id: aliceId, details: { to: 'helene@creme-coeur.fr', version: 1 } });
  });

  it('may send again a devis already sent (a new mail)', async () => {
    const res = await alice.post(`/devis/${ids.d1}/envoyer/`, {});
    expect(res.statusCode).toBe(200);
    expect(res.json().courriel.statut).toBe('en_attente');
    await courriel(ids.d1, 'envoye');
    expect(received).toHaveLength(1);
  });

  it('client without e-mail → 400 naming client, nothing queued, no change', async () => {
    const res = await alice.post(`/devis/${ids.dNoMail}/envoyer/`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 'BAD_REQUEST',
      message: "Le client n'a pas d'adresse e-mail.",
      fieldErrors: { client: ["Le client n'a pas d'adresse e-mail."] },
    });
    const en = await alice.post(`/devis/${ids.dNoMail}/envoyer/`, undefined, { 'accept-language': 'en' });
    expect(en.json().message).toBe('The client has no e-mail address.');
    expect(await t.sql(`select 1 from courriels where devis_id = ?`, [ids.dNoMail])).toHaveLength(0);
    const [row] = await t.sql(`select statut, date_envoi from devis where id = ?`, [ids.dNoMail]);
    expect(row).toEqual({ statut: 'brouillon', date_envoi: null });
  });

  it('accepte or refuse → 409, nothing queued', async () => {
    for (const id of [ids.dAccepte, ids.dRefuse]) {
      const res = await alice.post(`/devis/${id}/envoyer/`);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'CONFLICT',
        message: 'Un devis accepté ou refusé ne peut plus être envoyé.',
      });
      expect(await t.sql(`select 1 from courriels where devis_id = ?`, [id])).toHaveLength(0);
    }
  });

  it('SMTP rejects the recipient for good (550) → envoyer still 200; the mail ends echec at once, visible on the devis, sender told', async () => {
    const res = await alice.post(`/devis/${ids.dRefusMail}/envoyer/`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ statut: 'envoye', courriel: { statut: 'en_attente' } });
    const row = await courriel(ids.dRefusMail, 'echec');
    expect(row.tentatives).toBe(1);
    const detail = (await alice.get(`/devis/${ids.dRefusMail}/`)).json();
    expect(detail.courriel).toMatchObject({ statut: 'echec', tentatives: 1 });
    expect(detail.courriel.derniereErreur).toMatch(/550|unavailable|rejected/i);
    // The sender is told just after the failure is recorded (its own transaction): wait for it.
    await expect
      .poll(
        () =>
          t.sql(`select user_id from audit_log where action = 'courriel.echec' and entity_id = ?`, [ids.dRefusMail]),
        {
          timeout: 10_000,
        },
      )
      .toEqual([{ user_id: aliceId }]);
    expect(received).toHaveLength(0);
  });

  it('denies: 401 anonymous, 404 for a devis the commercial may not see or that does not exist', async () => {
    expect((await t.anonymous().post(`/devis/${ids.d1}/envoyer/`)).statusCode).toBe(401);
    expect((await alice.post(`/devis/${ids.dBob}/envoyer/`)).statusCode).toBe(404);
    expect((await admin.post('/devis/999999/envoyer/')).statusCode).toBe(404);
    expect(await t.sql(`select 1 from courriels where devis_id = ?`, [ids.dBob])).toHaveLength(0);
  });

  it('is a mutation: the dashboard sees the new devisEnAttente at once', async () => {
    const before = (await bob.get('/dashboard/stats/')).json().devisEnAttente;
    expect((await bob.post(`/devis/${ids.dBob}/envoyer/`)).statusCode).toBe(200);
    expect((await bob.get('/dashboard/stats/')).json().devisEnAttente).toBe(before + 1);
    await courriel(ids.dBob, 'envoye');
  });

  it('SMTP server down → envoyer still 200; the mail stays en_attente with its error and a next attempt', async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    const res = await admin.post(`/devis/${ids.dSansLignes}/envoyer/`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ statut: 'envoye', courriel: { statut: 'en_attente', tentatives: 0 } });
    const end = Date.now() + 15_000;
    let row: any;
    do {
      await new Promise((r) => setTimeout(r, 100));
      [row] = await t.sql(
        `select statut, tentatives, derniere_erreur, prochaine_tentative from courriels where devis_id = ?`,
        [ids.dSansLignes],
      );
    } while (!row.derniere_erreur && Date.now() < end);
    expect(row).toMatchObject({ statut: 'en_attente' });
    expect(row.tentatives).toBeGreaterThanOrEqual(1);
    expect(row.derniere_erreur).toMatch(/ECONNREFUSED|connect/i);
    expect(row.prochaine_tentative).not.toBeNull();
    expect((await admin.get(`/devis/${ids.dSansLignes}/`)).json().courriel.derniereErreur).toMatch(
      /ECONNREFUSED|connect/i,
    );
  });
});
