import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { importAnalyseJob } from '../src/jobs/imports.js';
import { analyseImport } from '../src/services/imports/index.js';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

/**
 * Imports: POST /api/imports/ (multipart; the rows are analysed by a background job: `analyse` →
 * `pret`), GET /api/imports/ (list), GET /api/imports/{id}/, PATCH (mapping),
 * POST /api/imports/{id}/valider/ (background job, one transaction), GET /api/imports/{id}/rejets/.
 * Every REST answer is checked against the OpenAPI document (startTestApp).
 */
let t: TestApp;
let admin: RestClient;
let alice: RestClient;
let bob: RestClient;
let aliceId: number;
let bobId: number;

const BOUNDARY = '----crmTestBoundary7MA4YWxkTrZu0gW';

/** A multipart upload, as a browser's FormData sends it. */
function upload(
  client: RestClient | null,
  ressource: string | null,
  file: { name: string; bytes: Buffer; type?: string } | null,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const parts: Buffer[] = [];
  if (ressource !== null)
    parts.push(
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="ressource"\r\n\r\n${ressource}\r\n`),
    );
  if (file) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="fichier"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'text/csv'}\r\n\r\n`,
      ),
    );
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return t.app.inject({
    method: 'POST',
    url: '/api/imports/',
    headers: {
      ...(client?.token ? { authorization: `Bearer ${client.token}` } : {}),
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      ...headers,
    },
    payload: Buffer.concat(parts),
  });
}

const csv = (text: string, bom = true) =>
  Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);

/** Polls the import until its analysis is done (`analyse` → `pret`, or `echoue`). */
async function ready(client: RestClient, id: number): Promise<any> {
  for (let i = 0; i < 300; i++) {
    const res = await client.get(`/imports/${id}/`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    if (body.statut !== 'analyse') return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} was not analysed`);
}

/** Uploads a file (answered at once, in state `analyse`) and waits for its analysis. */
async function uploadReady(
  client: RestClient,
  ressource: string,
  file: { name: string; bytes: Buffer; type?: string },
): Promise<any> {
  const up = await upload(client, ressource, file);
  expect(up.statusCode, up.body).toBe(201);
  expect(up.json()).toMatchObject({ statut: 'analyse', apercu: [] });
  return ready(client, up.json().id);
}

/** Polls the import until its job is done. */
async function waitDone(client: RestClient, id: number): Promise<any> {
  for (let i = 0; i < 300; i++) {
    const res = await client.get(`/imports/${id}/`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    if (body.statut === 'termine' || body.statut === 'echoue') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`import ${id} did not finish`);
}

async function importFile(
  client: RestClient,
  ressource: string,
  text: string | Buffer,
  valider: Record<string, unknown> = {},
  name = 'fichier.csv',
) {
  const analysed = await uploadReady(client, ressource, { name, bytes: typeof text === 'string' ? csv(text) : text });
  const v = await client.post(`/imports/${analysed.id}/valider/`, valider);
  expect(v.statusCode, v.body).toBe(200);
  return { upload: analysed, done: await waitDone(client, analysed.id) };
}

const count = async (table: string) => (await t.sql<{ n: number }>(`select count(*)::int as n from ${table}`))[0].n;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  [admin, alice, bob] = await Promise.all([t.as('admin'), t.as('alice'), t.as('bob')]);
});
afterAll(async () => t?.close());

describe('formats', () => {
  it("CSV `;` UTF-8 with BOM, French headers: mapping proposed, preview with French errors, clients with their contacts created as the commercial's", async () => {
    const text = [
      'Nom;Société;Courriel;Tél;Catégorie;Prénom du contact;Nom du contact;Fonction;Divers',
      'Durand;Acme SARL;contact@acme.fr;01 23 45 67 89;PME;Jeanne;Martin;Acheteuse;x',
      'Lefèvre;Éts Lefèvre;pas-un-email;06 12 34 56 78;;;;;y',
      '"Dupont; fils";"Dupont ""et"" Cie";dupont@example.fr;;VIP;;Petit;;z',
    ].join('\r\n');
    const up = await upload(alice, 'clients', { name: 'clients.csv', bytes: csv(text) });
    expect(up.statusCode, up.body).toBe(201);
    // The upload answers once the file is read and stored; its rows are analysed in the background.
    expect(up.headers.location).toBe(`/api/imports/${up.json().id}/`);
    expect(up.json()).toMatchObject({
      statut: 'analyse',
      apercu: [],
      analyse: { lignes: 3, valides: 0, invalides: 0 },
      rapportRejets: null,
    });
    expect(up.json().colonnes.map((c: any) => c.champ)).toContain('contactFonction');
    const imp = await ready(alice, up.json().id);
    expect(imp).toMatchObject({
      ressource: 'clients',
      statut: 'pret',
      format: 'csv',
      encodage: 'utf-8',
      separateur: ';',
      creePar: aliceId,
    });
    expect(imp.colonnes.map((c: any) => c.champ)).toEqual([
      'nom',
      'societe',
      'email',
      'telephone',
      'categorie',
      'contactPrenom',
      'contactNom',
      'contactFonction',
      null,
    ]);
    expect(imp.analyse).toMatchObject({ lignes: 3, valides: 2, invalides: 1 });
    expect(imp.apercu[1]).toMatchObject({ ligne: 3, erreurs: { email: ['Adresse e-mail invalide.'] } });
    expect(imp.apercu[2].cellules.slice(0, 2)).toEqual(['Dupont; fils', 'Dupont "et" Cie']);
    expect(imp.erreursMapping).toEqual([]);
    // Nothing is written before validation.
    expect(await count('clients')).toBe(0);

    const v = await alice.post(`/imports/${imp.id}/valider/`, { mode: 'valides' });
    expect(v.statusCode, v.body).toBe(200);
    expect(['en_file', 'en_cours', 'termine']).toContain(v.json().statut);
    const done = await waitDone(alice, imp.id);
    expect(done).toMatchObject({
      statut: 'termine',
      resultat: { crees: 2, misAJour: 0, ignores: 0, rejetes: 1 },
      progression: { faits: 3, total: 3, pourcentage: 100 },
    });
    const clients = await t.sql(
      `select nom, societe, email, telephone, categorie, responsable_id from clients order by id`,
    );
    expect(clients).toEqual([
      {
        nom: 'Durand',
        societe: 'Acme SARL',
        email: 'contact@acme.fr',
        telephone: '+33123456789',
        categorie: 'PME',
        responsable_id: aliceId,
      },
      {
        nom: 'Dupont; fils',
        societe: 'Dupont "et" Cie',
        email: 'dupont@example.fr',
        telephone: '',
        categorie: 'VIP',
        responsable_id: aliceId,
      },
    ]);
    const contacts = await t.sql(
      `select c.nom as client, k.prenom, k.nom, k.fonction, k.principal from contacts k join clients c on c.id = k.client_id order by k.id`,
    );
    expect(contacts).toEqual([
      { client: 'Durand', prenom: 'Jeanne', nom: 'Martin', fonction: 'Acheteuse', principal: true },
      { client: 'Dupont; fils', prenom: '', nom: 'Petit', fonction: '', principal: true },
    ]);
    // Timeline (one event per created client, in the import's transaction) and the importer's notice.
    const events = await t.sql(`select type, resume, auteur_id from evenements order by id`);
    expect(events).toEqual([
      { type: 'client_cree', resume: 'Client « Durand » créé (import)', auteur_id: aliceId },
      { type: 'client_cree', resume: 'Client « Dupont; fils » créé (import)', auteur_id: aliceId },
    ]);
    const notes = (await alice.get('/notifications/')).json().results;
    expect(notes[0]).toMatchObject({ type: 'import_termine', lien: `/imports/${imp.id}` });
    // The rejected row, downloadable.
    expect(done.rapportRejets).toBe(`/api/imports/${imp.id}/rejets/`);
    const report = await alice.get(`/imports/${imp.id}/rejets/`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(report.headers['content-disposition']).toBe('attachment; filename="clients-rejets.csv"');
    const lines = report.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'Ligne;Nom;Société;Courriel;Tél;Catégorie;Prénom du contact;Nom du contact;Fonction;Divers;Erreurs',
    );
    expect(lines[1]).toBe('3;Lefèvre;Éts Lefèvre;pas-un-email;06 12 34 56 78;;;;;y;E-mail : Adresse e-mail invalide.');
    await t.sql('delete from evenements; delete from contacts; delete from clients; delete from notifications');
  });

  it('CSV `,` in Windows-1252 with English headers; tab and `|` delimiters sniffed', async () => {
    const latin1 = Buffer.from(
      'Name,Company,Email,Phone\r\nGaëlle Nérée,Société Générale,gaelle@sg.fr,+33 1 42 14 20 00\r\n',
      'latin1',
    );
    // « œ » and « € » are bytes 0x9C and 0x80 in Windows-1252 (not Latin-1).
    const cp1252 = Buffer.concat([
      latin1,
      Buffer.from([0x43, 0x9c, 0x75, 0x72, 0x2c, 0x80, 0x20, 0x53, 0x41, 0x2c, 0x2c, 0x0d, 0x0a]),
    ]);
    const up = await uploadReady(admin, 'clients', { name: 'export.csv', bytes: cp1252 });
    expect(up).toMatchObject({ encodage: 'windows-1252', separateur: ',' });
    expect(up.colonnes.map((c: any) => c.champ)).toEqual(['nom', 'societe', 'email', 'telephone']);
    expect(up.apercu.map((l: any) => l.cellules)).toEqual([
      ['Gaëlle Nérée', 'Société Générale', 'gaelle@sg.fr', '+33 1 42 14 20 00'],
      ['Cœur', '€ SA', '', ''],
    ]);
    for (const [sep, name] of [
      ['\t', 'tab'],
      ['|', 'pipe'],
    ]) {
      const res = await uploadReady(admin, 'clients', {
        name: `${name}.txt`,
        bytes: csv(`Nom${sep}E-mail${sep}Notes\nA${sep}a@x.fr${sep}un, deux; trois\n`, false),
      });
      expect(res).toMatchObject({ separateur: sep, encodage: 'utf-8' });
      expect(res.apercu[0].cellules).toEqual(['A', 'a@x.fr', 'un, deux; trois']);
    }
  });

  it('opportunités: French decimals and dates, client by folded name or id, stage labels, sparse positions at the end of their columns', async () => {
    const acme = (await alice.post('/clients/', { nom: 'Acmé Industrie' })).json().id;
    const autre = (await alice.post('/clients/', { nom: 'Autre' })).json().id;
    const existing = (
      await alice.post('/opportunites/', { nom: 'Déjà là', client: acme, etape: 'negociation' })
    ).json();
    const text = [
      'Opportunité;Client;Montant;Probabilité;Étape;Date de conclusion',
      `Grosse affaire;ACME industrie;1 234,56;60 %;Négociation;31/12/2026`,
      `Petite;${autre};12,5;10;prospect;2027-01-15`,
      `Mauvaise;Inconnu SA;abc;150;perdue;32/01/2027`,
    ].join('\n');
    const { upload: up, done } = await importFile(alice, 'opportunites', text, { mode: 'valides' });
    expect(up.apercu[2].erreurs).toEqual({
      client: ["L'objet référencé n'existe pas."],
      dateConclusionEstimee: ['Date invalide (JJ/MM/AAAA attendu).'],
      montant: ['Montant invalide : nombre positif avec au plus 2 décimales.'],
      probabilite: ['La probabilité doit être un entier entre 0 et 100.'],
      etape: ['Valeur non autorisée.'],
    });
    expect(done.resultat).toEqual({ crees: 2, misAJour: 0, ignores: 0, rejetes: 1 });
    const rows = await t.sql(
      `select nom, client_id, montant::text, probabilite, etape, position, date_conclusion_estimee, responsable_id from opportunites where id <> ? order by id`,
      [existing.id],
    );
    expect(rows).toEqual([
      {
        nom: 'Grosse affaire',
        client_id: acme,
        montant: '1234.56',
        probabilite: 60,
        etape: 'negociation',
        position: existing.position + 1024,
        date_conclusion_estimee: '2026-12-31',
        responsable_id: aliceId,
      },
      {
        nom: 'Petite',
        client_id: autre,
        montant: '12.50',
        probabilite: 10,
        etape: 'prospect',
        position: 1023,
        date_conclusion_estimee: '2027-01-15',
        responsable_id: aliceId,
      },
    ]);
    // The board reads them at the end of their column.
    const board = (await alice.get('/opportunites/?etape=negociation&ordering=position'))
      .json()
      .results.map((o: any) => o.nom);
    expect(board).toEqual(['Déjà là', 'Grosse affaire']);
  });

  it("tâches from XLSX: date cells and French dates, labels, client by name; a commercial's tâches are assigned to them", async () => {
    const client = (await alice.post('/clients/', { nom: 'Client Tâches' })).json().id;
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Tâches');
    ws.addRow(['Titre', 'Priorité', 'Échéance', 'Statut', 'Client', 'Description']);
    ws.addRow(['Rappeler', 'Haute', new Date(Date.UTC(2027, 0, 15)), 'À faire', 'client tâches', 'avec rich']);
    ws.addRow(['Relancer', 'urgent', '03/02/2027', 'Terminée', '', 42]);
    ws.getCell('F2').value = { richText: [{ text: 'avec ' }, { text: 'gras', font: { bold: true } }] };
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const { upload: up, done } = await importFile(alice, 'taches', bytes, {}, 'taches.xlsx');
    expect(up).toMatchObject({ format: 'xlsx', encodage: null, separateur: null });
    expect(up.apercu[0].cellules).toEqual(['Rappeler', 'Haute', '2027-01-15', 'À faire', 'client tâches', 'avec gras']);
    expect(done).toMatchObject({ statut: 'termine', resultat: { crees: 2, rejetes: 0 } });
    const rows = await t.sql(
      `select titre, priorite, date_echeance, statut, client_id, assigne_a_id, description, date_terminee is not null as fini from taches order by id`,
    );
    expect(rows).toEqual([
      {
        titre: 'Rappeler',
        priorite: 'haute',
        date_echeance: '2027-01-15',
        statut: 'a_faire',
        client_id: client,
        assigne_a_id: aliceId,
        description: 'avec gras',
        fini: false,
      },
      {
        titre: 'Relancer',
        priorite: 'urgente',
        date_echeance: '2027-02-03',
        statut: 'terminee',
        client_id: null,
        assigne_a_id: aliceId,
        description: '42',
        fini: true,
      },
    ]);
  });
});

describe('bad files: a clear 400 on `fichier`, nothing written', () => {
  const refused = async (res: LightMyRequestResponse, reason: string) => {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({
      code: 'BAD_REQUEST',
      message: 'Fichier refusé : rien n’a été importé.',
      fieldErrors: { fichier: [reason] },
    });
  };

  const analyses = async () =>
    (await t.sql<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'import.analyser'`))[0].n;

  it('not CSV/XLSX, empty, header only, XLS, unknown encoding, formula cells, too big', async () => {
    const before = await count('imports');
    const jobs = await analyses();
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
      Buffer.from([0, 1, 2, 3, 0x1b, 0x10]),
    ]);
    await refused(
      await upload(alice, 'clients', { name: 'devis.pdf', bytes: pdf, type: 'application/pdf' }),
      'Format non pris en charge : envoyez un fichier CSV ou Excel (XLSX).',
    );
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    await refused(
      await upload(alice, 'clients', { name: 'photo.csv', bytes: png }),
      'Format non pris en charge : envoyez un fichier CSV ou Excel (XLSX).',
    );
    await refused(await upload(alice, 'clients', { name: 'vide.csv', bytes: Buffer.alloc(0) }), 'Le fichier est vide.');
    await refused(
      await upload(alice, 'clients', { name: 'blanc.csv', bytes: csv('\r\n  \r\n') }),
      'Le fichier est vide.',
    );
    await refused(
      await upload(alice, 'clients', { name: 'entete.csv', bytes: csv('Nom;E-mail\r\n;\r\n') }),
      'Le fichier n’a aucune ligne de données sous la ligne d’en-tête.',
    );
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    await refused(
      await upload(alice, 'clients', { name: 'vieux.xls', bytes: xls }),
      'Ancien format Excel (XLS) non pris en charge : enregistrez le fichier en XLSX ou en CSV.',
    );
    // 0x81 and 0x9D exist in neither UTF-8 (here) nor Windows-1252: some other code page.
    await refused(
      await upload(alice, 'clients', {
        name: 'dos.csv',
        bytes: Buffer.from([0x4e, 0x6f, 0x6d, 0x0a, 0x81, 0x9d, 0x41, 0x0a]),
      }),
      'Encodage du fichier non reconnu : enregistrez-le en UTF-8 (ou Windows-1252).',
    );
    // UTF-16 without its byte order mark.
    await refused(
      await upload(alice, 'clients', { name: 'utf16.csv', bytes: Buffer.from('Nom\nA\n', 'utf16le') }),
      'Encodage du fichier non reconnu : enregistrez-le en UTF-8 (ou Windows-1252).',
    );
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Clients');
    ws.addRow(['Nom', 'Notes']);
    ws.addRow(['Acme', 'ok']);
    ws.getCell('B3').value = { formula: 'HYPERLINK("http://evil.example","clic")', result: 'clic' } as any;
    ws.getCell('A3').value = 'Piégé';
    await refused(
      await upload(alice, 'clients', { name: 'formules.xlsx', bytes: Buffer.from(await wb.xlsx.writeBuffer()) }),
      'Les formules ne sont pas acceptées : remplacez-les par leurs valeurs (copier, collage spécial « valeurs »). (cellule B3)',
    );
    const docx = Buffer.concat([
      Buffer.from([0x50, 0x4b, 0x03, 0x04]),
      Buffer.from('word/document.xml'),
      Buffer.alloc(64),
    ]);
    await refused(
      await upload(alice, 'clients', { name: 'lettre.docx', bytes: docx }),
      'Format non pris en charge : envoyez un fichier CSV ou Excel (XLSX).',
    );
    const big = Buffer.alloc(21 * 1024 * 1024, 'a,b\n');
    await refused(
      await upload(alice, 'clients', { name: 'gros.csv', bytes: big }),
      'Fichier trop volumineux (20 Mo au plus).',
    );
    await refused(
      await upload(alice, 'clients', null),
      'Aucun fichier reçu (champ « fichier » du formulaire multipart).',
    );
    expect(await count('imports')).toBe(before);
    expect(await analyses()).toBe(jobs);
  });

  it('100 MB, a damaged or empty workbook, too many rows or columns: 400, nothing written, no job', async () => {
    const before = await count('imports');
    const jobs = await analyses();
    // Refused while it streams in (at 20 MB), not after reading 100 MB.
    const huge = Buffer.alloc(100 * 1024 * 1024, 'Nom;Notes\nA;b\n');
    await refused(
      await upload(alice, 'clients', { name: 'enorme.csv', bytes: huge }),
      'Fichier trop volumineux (20 Mo au plus).',
    );
    const damaged = Buffer.concat([
      Buffer.from([0x50, 0x4b, 0x03, 0x04]),
      Buffer.from('xl/workbook.xml'),
      Buffer.alloc(200, 0x41),
    ]);
    await refused(
      await upload(alice, 'clients', { name: 'abime.xlsx', bytes: damaged }),
      'Classeur Excel illisible ou endommagé.',
    );
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Vide');
    await refused(
      await upload(alice, 'clients', { name: 'vide.xlsx', bytes: Buffer.from(await wb.xlsx.writeBuffer()) }),
      'Le fichier est vide.',
    );
    await refused(
      await upload(alice, 'clients', { name: 'long.csv', bytes: csv(`Nom\n${'A\n'.repeat(100_001)}`) }),
      'Trop de lignes (100 000 au plus par import).',
    );
    const wide = Array.from({ length: 201 }, (_, i) => `C${i}`).join(';');
    await refused(
      await upload(alice, 'clients', { name: 'large.csv', bytes: csv(`${wide}\n${wide}\n`) }),
      'Trop de colonnes (200 au plus).',
    );
    expect(await count('imports')).toBe(before);
    expect(await analyses()).toBe(jobs);
  });

  it('a bad or missing `ressource`, a JSON body, English messages', async () => {
    const bad = await upload(alice, 'devis', { name: 'a.csv', bytes: csv('Nom\nA\n') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fieldErrors).toEqual({ ressource: ['Valeur non autorisée.'] });
    expect((await upload(alice, null, { name: 'a.csv', bytes: csv('Nom\nA\n') })).statusCode).toBe(400);
    const json = await alice.post('/imports/', { ressource: 'clients' });
    expect(json.statusCode).toBe(400);
    expect(json.json().fieldErrors.fichier).toEqual([
      'Envoyez le fichier en multipart/form-data (champs « fichier » et « ressource »).',
    ]);
    const en = await upload(alice, 'clients', { name: 'v.csv', bytes: Buffer.alloc(0) }, { 'accept-language': 'en' });
    expect(en.json()).toEqual({
      code: 'BAD_REQUEST',
      message: 'File refused: nothing was imported.',
      fieldErrors: { fichier: ['The file is empty.'] },
    });
  });
});

describe('duplicates and modes', () => {
  let existing: number;
  beforeAll(async () => {
    await t.sql(
      'delete from evenements; delete from contacts; delete from taches; delete from opportunites; delete from clients',
    );
    existing = (
      await alice.post('/clients/', {
        nom: 'Martin',
        societe: 'Bâtiments Martin',
        email: 'martin@bat.fr',
        telephone: '0601020304',
        notes: 'ancien',
      })
    ).json().id;
    await admin.post('/clients/', { nom: 'Caché', email: 'cache@bob.fr', responsable: bobId });
  });

  const FILE = [
    'Nom;Société;E-mail;Téléphone;Notes',
    'MARTIN;batiments martin;;;par le nom', // duplicate of the existing client (folded name + société)
    'Autre Martin;;;+33 6 01 02 03 04;par le téléphone', // duplicate of the existing client (normalised phone)
    'Nouveau;;nouveau@x.fr;;premier', // new
    'Nouveau bis;;NOUVEAU@x.fr;;second', // duplicate of the row above (e-mail), within the file
    'Secret;;cache@bob.fr;;', // e-mail of a client alice cannot see: rejected whatever the policy
  ].join('\n');

  it('analysis: duplicates against the database and within the file, each with its key and target', async () => {
    const imp = await uploadReady(alice, 'clients', { name: 'doublons.csv', bytes: csv(FILE) });
    expect(imp.analyse).toEqual({ lignes: 5, valides: 4, invalides: 1, doublonsFichier: 1, doublonsBase: 2 });
    expect(imp.apercu.map((l: any) => l.doublon)).toEqual([
      { source: 'base', cle: 'nom', ligne: null, id: existing },
      { source: 'base', cle: 'telephone', ligne: null, id: existing },
      null,
      { source: 'fichier', cle: 'email', ligne: 4, id: null },
      null,
    ]);
    expect(imp.apercu[4].erreurs).toEqual({ email: ['Cette adresse e-mail est déjà utilisée.'] });
  });

  it('ignorer: duplicates skipped', async () => {
    const { done } = await importFile(alice, 'clients', FILE, { doublons: 'ignorer', mode: 'valides' });
    expect(done.resultat).toEqual({ crees: 1, misAJour: 0, ignores: 3, rejetes: 1 });
    expect(
      (await t.sql(`select nom from clients where responsable_id = ? order by id`, [aliceId])).map((r) => r.nom),
    ).toEqual(['Martin', 'Nouveau']);
  });

  it('mettre_a_jour: the existing client and the earlier row take the later values (empty cells change nothing)', async () => {
    await t.sql(
      `delete from evenements where client_id in (select id from clients where nom = 'Nouveau'); delete from clients where nom = 'Nouveau'`,
    );
    const { done } = await importFile(alice, 'clients', FILE, { doublons: 'mettre_a_jour', mode: 'valides' });
    expect(done.resultat).toEqual({ crees: 1, misAJour: 3, ignores: 0, rejetes: 1 });
    const rows = await t.sql(
      `select nom, societe, email, telephone, notes from clients where responsable_id = ? order by id`,
      [aliceId],
    );
    expect(rows).toEqual([
      {
        nom: 'Autre Martin',
        societe: 'batiments martin',
        email: 'martin@bat.fr',
        telephone: '+33601020304',
        notes: 'par le téléphone',
      },
      { nom: 'Nouveau bis', societe: '', email: 'nouveau@x.fr', telephone: '', notes: 'second' },
    ]);
  });

  it('creer: name and phone duplicates created anyway, an e-mail twice is rejected (unique)', async () => {
    await t.sql(
      `delete from evenements where client_id in (select id from clients where email = 'nouveau@x.fr'); delete from clients where email = 'nouveau@x.fr'`,
    );
    const { done } = await importFile(alice, 'clients', FILE, { doublons: 'creer', mode: 'valides' });
    expect(done.resultat).toEqual({ crees: 3, misAJour: 0, ignores: 0, rejetes: 2 });
    expect(await count('clients')).toBe(2 + 3);
    const report = (await alice.get(`/imports/${done.id}/rejets/`)).body.trim().split('\r\n');
    expect(report.slice(1).map((l) => l.split(';')[0])).toEqual(['5', '6']);
    expect(report[1]).toContain('E-mail : Cette adresse e-mail est déjà utilisée.');
  });

  it('tout_ou_rien: one rejected row and nothing is written; the report lists it', async () => {
    const before = await count('clients');
    const events = await count('evenements');
    const { done } = await importFile(alice, 'clients', 'Nom;E-mail\nBon;bon@x.fr\n;vide@x.fr\n', {
      mode: 'tout_ou_rien',
    });
    expect(done).toMatchObject({
      statut: 'echoue',
      erreur: 'Des lignes sont invalides : rien n’a été importé (mode « tout ou rien »).',
      resultat: { crees: 0, rejetes: 1 },
    });
    expect(await count('clients')).toBe(before);
    expect(await count('evenements')).toBe(events);
    const report = (await alice.get(`/imports/${done.id}/rejets/`)).body.trim().split('\r\n');
    expect(report[1]).toBe('3;;vide@x.fr;Nom : Ce champ est obligatoire.');
  });

  it('a failure inside the transaction writes nothing (all or nothing even in « valides » mode)', async () => {
    const before = await count('clients');
    const up = (
      await upload(alice, 'clients', { name: 'course.csv', bytes: csv('Nom;E-mail\nUn;un@x.fr\nDeux;course@x.fr\n') })
    ).json();
    // Another client takes the e-mail between the analysis and the job's write: the whole import rolls back.
    await t.sql(`create or replace function crm_test_race() returns trigger language plpgsql as $$ begin
      if new.email = 'course@x.fr' then raise exception 'course' using errcode = 'unique_violation', constraint = 'clients_email_uniq'; end if; return new; end $$`);
    await t.sql(`create trigger crm_test_race before insert on clients for each row execute function crm_test_race()`);
    try {
      await alice.post(`/imports/${up.id}/valider/`, { mode: 'valides' });
      const done = await waitDone(alice, up.id);
      expect(done).toMatchObject({
        statut: 'echoue',
        erreur: 'Cette adresse e-mail est déjà utilisée.',
        resultat: { crees: 0 },
      });
      expect(await count('clients')).toBe(before);
    } finally {
      await t.sql('drop trigger crm_test_race on clients; drop function crm_test_race()');
    }
  });
});

describe('mapping, access and visibility', () => {
  it('PATCH changes the mapping and analyses again; valider needs every required field; 409 once started', async () => {
    const up = await uploadReady(alice, 'clients', { name: 'm.csv', bytes: csv('Raison;Mail\nAcme;acme@m.fr\n') });
    expect(up.colonnes.map((c: any) => c.champPropose)).toEqual([null, 'email']);
    expect(up.erreursMapping).toEqual(['Champ obligatoire associé à aucune colonne : Nom']);
    const v = await alice.post(`/imports/${up.id}/valider/`, {});
    expect(v.statusCode).toBe(400);
    expect(v.json().fieldErrors).toEqual({ mapping: ['La correspondance des colonnes est incomplète.'] });
    const twice = await alice.patch(`/imports/${up.id}/`, { mapping: ['email', 'email'] });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().fieldErrors).toEqual({ 'mapping.1': ['Ce champ est associé à plusieurs colonnes.'] });
    expect((await alice.patch(`/imports/${up.id}/`, { mapping: ['nom'] })).json().fieldErrors).toEqual({
      mapping: ['La correspondance doit donner un champ (ou null) pour chaque colonne du fichier.'],
    });
    const p = await alice.patch(`/imports/${up.id}/`, { mapping: ['nom', null] });
    expect(p.statusCode, p.body).toBe(200);
    // Analysed again in the background: the previous preview and counts are gone until then.
    expect(p.json()).toMatchObject({
      statut: 'analyse',
      apercu: [],
      analyse: { lignes: 1, valides: 0 },
      erreursMapping: [],
      colonnes: [
        { champ: 'nom', champPropose: null },
        { champ: null, champPropose: 'email' },
      ],
    });
    expect(await ready(alice, up.id)).toMatchObject({
      statut: 'pret',
      analyse: { lignes: 1, valides: 1, invalides: 0 },
      apercu: [{ ligne: 2, cellules: ['Acme', 'acme@m.fr'], erreurs: {} }],
    });
    expect((await alice.post(`/imports/${up.id}/valider/`, { mapping: ['nom', 'email'] })).statusCode).toBe(200);
    const done = await waitDone(alice, up.id);
    expect(done.resultat.crees).toBe(1);
    expect((await alice.post(`/imports/${up.id}/valider/`, {})).statusCode).toBe(409);
    expect((await alice.patch(`/imports/${up.id}/`, { mapping: ['nom', null] })).statusCode).toBe(409);
  });

  it('a commercial sees only their imports (404), admins see all; unauthenticated → 401', async () => {
    const up = (await upload(alice, 'clients', { name: 'v.csv', bytes: csv('Nom\nVisible\n') })).json();
    expect((await bob.get(`/imports/${up.id}/`)).statusCode).toBe(404);
    expect((await bob.patch(`/imports/${up.id}/`, { mapping: ['nom'] })).statusCode).toBe(404);
    expect((await bob.post(`/imports/${up.id}/valider/`, {})).statusCode).toBe(404);
    expect((await bob.get(`/imports/${up.id}/rejets/`)).statusCode).toBe(404);
    expect((await admin.get(`/imports/${up.id}/`)).statusCode).toBe(200);
    expect((await t.anonymous().get(`/imports/${up.id}/`)).statusCode).toBe(401);
    expect((await t.anonymous().get(`/imports/${up.id}/rejets/`)).statusCode).toBe(401);
    expect((await upload(null, 'clients', { name: 'v.csv', bytes: csv('Nom\nX\n') })).statusCode).toBe(401);
    expect((await t.anonymous().post(`/imports/${up.id}/valider/`, {})).statusCode).toBe(401);
  });

  it('API keys: an upload needs `imports:ecriture` (403 with `imports:lecture`), reading needs `imports:lecture`', async () => {
    const key = async (scopes: string[]) =>
      (await admin.post('/cles-api/', { nom: `Import ${scopes.join(' ')}`, scopes, user: aliceId })).json()
        .secret as string;
    const lecture = await key(['imports:lecture']);
    const ecriture = await key(['imports:ecriture']);
    const other = await key(['clients:ecriture']);
    const denied = await upload({ token: lecture } as RestClient, 'clients', {
      name: 'k.csv',
      bytes: csv('Nom\nCle\n'),
    });
    expect(denied.statusCode).toBe(403);
    expect(
      (await upload({ token: other } as RestClient, 'clients', { name: 'k.csv', bytes: csv('Nom\nCle\n') })).statusCode,
    ).toBe(403);
    const ok = await upload({ token: ecriture } as RestClient, 'clients', { name: 'k.csv', bytes: csv('Nom\nCle\n') });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().creePar).toBe(aliceId);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/imports/${ok.json().id}/`,
      headers: { authorization: `Bearer ${lecture}` },
    });
    expect(read.statusCode).toBe(200);
  });

  it('a commercial cannot import records for someone else; an admin can name the responsable', async () => {
    const up = await uploadReady(alice, 'clients', {
      name: 'r.csv',
      bytes: csv('Nom;Responsable\nA moi;alice\nA bob;bob@example.fr\nPersonne;zorro\n'),
    });
    expect(up.apercu.map((l: any) => l.erreurs)).toEqual([
      {},
      { responsable: ['Un commercial ne peut importer que des enregistrements dont il est responsable.'] },
      { responsable: ['Utilisateur inconnu (identifiant, nom d’utilisateur ou e-mail attendu).'] },
    ]);
    const adm = await uploadReady(admin, 'clients', { name: 'r.csv', bytes: csv('Nom;Responsable\nPour bob;BOB\n') });
    expect(adm.analyse.valides).toBe(1);
    await admin.post(`/imports/${adm.id}/valider/`, {});
    await waitDone(admin, adm.id);
    expect((await t.sql(`select responsable_id from clients where nom = 'Pour bob'`))[0].responsable_id).toBe(bobId);
  });
});

describe('no N+1', () => {
  it('the upload and its background analysis run the same number of statements for 5 rows as for 500', async () => {
    await alice.post('/clients/', { nom: 'Cible' });
    const file = (n: number) =>
      csv(
        [
          'Opportunité;Client;Montant',
          ...Array.from({ length: n }, (_, i) => `O${i};${i % 2 ? 'Cible' : 'cible'};${i},5`),
        ].join('\n'),
      );
    // Waits for the analysis on a connection of its own: its polling is not counted.
    const pg = new Client({ connectionString: t.dbUrl });
    await pg.connect();
    const analysed = async (id: number) => {
      for (let i = 0; i < 300; i++) {
        const { rows } = await pg.query('select statut from imports where id = $1', [id]);
        if (rows[0].statut !== 'analyse') return rows[0].statut;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('not analysed');
    };
    const run = (name: string, n: number) =>
      t.countSql(async () => {
        const res = await upload(alice, 'opportunites', { name, bytes: file(n) });
        expect(res.statusCode, res.body).toBe(201);
        expect(await analysed(res.json().id)).toBe('pret');
        return res.json().id as number;
      });
    try {
      const small = await run('s.csv', 5);
      const large = await run('l.csv', 500);
      expect((await alice.get(`/imports/${large.result}/`)).json().analyse).toMatchObject({
        lignes: 500,
        valides: 500,
      });
      expect(large.statements.length).toBe(small.statements.length);
      expect(large.statements.length).toBeLessThan(20);
    } finally {
      await pg.end();
    }
  });
});

describe('the list of imports (GET /api/imports/)', () => {
  let carol: RestClient;
  let carolId: number;
  let dave: RestClient;
  beforeAll(async () => {
    carolId = await t.user('carol', 'commercial');
    await t.user('dave', 'manager');
    [carol, dave] = await Promise.all([t.as('carol'), t.as('dave')]);
  });

  it('newest first, paginated, with state, counts, progress and report; filters; a commercial sees their own, staff all', async () => {
    const first = await uploadReady(carol, 'clients', {
      name: 'premier.csv',
      bytes: csv('Nom;E-mail\nA;a@carol.fr\nB;pas-un-email\n'),
    });
    const second = await uploadReady(carol, 'taches', { name: 'second.csv', bytes: csv('Titre\nSans priorité\n') });
    const page = (await carol.get('/imports/')).json();
    expect(page).toMatchObject({ count: 2, page: 1, pageSize: 25 });
    expect(page.results.map((r: any) => r.id)).toEqual([second.id, first.id]);
    expect(page.results[1]).toEqual({
      id: first.id,
      ressource: 'clients',
      statut: 'pret',
      nomFichier: 'premier.csv',
      format: 'csv',
      creePar: carolId,
      creeParNom: 'carol Test',
      analyse: { lignes: 2, valides: 1, invalides: 1, doublonsFichier: 0, doublonsBase: 0 },
      progression: { faits: 0, total: 2, pourcentage: 0 },
      resultat: { crees: 0, misAJour: 0, ignores: 0, rejetes: 0 },
      erreur: null,
      rapportRejets: `/api/imports/${first.id}/rejets/`,
      dateCreation: first.dateCreation,
      dateDebut: null,
      dateFin: null,
    });
    // Pages, filters, search on the file's name; bad parameters are a 400.
    expect((await carol.get('/imports/?pageSize=1&page=2')).json()).toMatchObject({
      count: 2,
      results: [{ id: first.id }],
    });
    expect((await carol.get('/imports/?page=3')).json()).toMatchObject({ count: 2, results: [] });
    expect((await carol.get('/imports/?ressource=taches')).json().results.map((r: any) => r.id)).toEqual([second.id]);
    expect((await carol.get('/imports/?search=PREMIER')).json().results.map((r: any) => r.id)).toEqual([first.id]);
    expect((await carol.get('/imports/?statut=termine')).json()).toMatchObject({ count: 0, results: [] });
    for (const bad of ['pageSize=101', 'statut=fini', 'ressource=devis', 'page=0']) {
      const res = await carol.get(`/imports/?${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().code).toBe('BAD_REQUEST');
    }

    // Once run: the job's state, result and report.
    await carol.post(`/imports/${first.id}/valider/`, { mode: 'valides' });
    await waitDone(carol, first.id);
    expect((await carol.get('/imports/?statut=termine')).json().results).toEqual([
      expect.objectContaining({
        id: first.id,
        statut: 'termine',
        progression: { faits: 2, total: 2, pourcentage: 100 },
        resultat: { crees: 1, misAJour: 0, ignores: 0, rejetes: 1 },
        rapportRejets: `/api/imports/${first.id}/rejets/`,
        dateDebut: expect.any(String),
        dateFin: expect.any(String),
      }),
    ]);

    // Another commercial does not see them; a manager (and an admin) sees everyone's.
    await uploadReady(alice, 'clients', { name: 'alice.csv', bytes: csv('Nom\nÀ Alice\n') });
    const alices = (await alice.get('/imports/?pageSize=100')).json();
    expect(alices.count).toBeGreaterThan(0);
    expect(alices.results.every((r: any) => r.creePar === aliceId)).toBe(true);
    const all = (await dave.get('/imports/?pageSize=100')).json();
    expect(all.results.map((r: any) => r.id)).toEqual(
      expect.arrayContaining([first.id, second.id, alices.results[0].id]),
    );
    expect(all.count).toBe((await admin.get('/imports/')).json().count);
    expect(all.count).toBe(await count('imports'));
  });

  it('unauthenticated → 401; HEAD answers like GET; another method → 405 naming GET and the upload’s POST', async () => {
    const anon = await t.anonymous().get('/imports/');
    expect(anon.statusCode).toBe(401);
    expect(anon.json().code).toBe('UNAUTHORIZED');
    const head = await t.app.inject({
      method: 'HEAD',
      url: '/api/imports/',
      headers: { authorization: `Bearer ${carol.token}` },
    });
    expect(head.statusCode).toBe(200);
    const del = await carol.delete('/imports/');
    expect(del.statusCode).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD, POST');
  });

  it('a page runs the same few statements for 2 imports as for 100 (no N+1)', async () => {
    for (let i = 0; i < 8; i++)
      await uploadReady(carol, 'clients', { name: `lot${i}.csv`, bytes: csv(`Nom\nLot ${i}\n`) });
    for (const client of [admin, carol]) {
      const small = await t.countSql(() => client.get('/imports/?pageSize=2'));
      const big = await t.countSql(() => client.get('/imports/?pageSize=100'));
      expect(big.result.json().results.length).toBeGreaterThan(8);
      expect(big.statements.length).toBe(small.statements.length);
      // session check + count + page
      expect(big.statements.length).toBeLessThanOrEqual(3);
    }
  });
});

describe('the background analysis', () => {
  it('valider while the analysis is pending: the import runs, and its own analysis becomes the preview', async () => {
    const up = await uploadReady(alice, 'clients', {
      name: 'vite.csv',
      bytes: csv('Nom;E-mail\nVite un;vite1@x.fr\n;vite2@x.fr\n'),
    });
    // As if the analysis job had not run yet (its row reset; no job is pending).
    await t.sql(`update imports set statut = 'analyse', bilan = '{}'::jsonb, rejets = null where id = ?`, [up.id]);
    expect((await alice.get(`/imports/${up.id}/`)).json()).toMatchObject({ statut: 'analyse', apercu: [] });
    const v = await alice.post(`/imports/${up.id}/valider/`, { mode: 'valides' });
    expect(v.statusCode, v.body).toBe(200);
    const done = await waitDone(alice, up.id);
    expect(done).toMatchObject({
      statut: 'termine',
      analyse: { lignes: 2, valides: 1, invalides: 1 },
      resultat: { crees: 1, rejetes: 1 },
      rapportRejets: `/api/imports/${up.id}/rejets/`,
    });
    expect(done.apercu.map((l: any) => l.erreurs)).toEqual([{}, { nom: ['Ce champ est obligatoire.'] }]);
    // An analysis arriving late writes nothing over the finished import.
    await analyseImport(t.orm.em.fork() as any, up.id);
    expect((await alice.get(`/imports/${up.id}/`)).json()).toEqual(done);
  });

  it('a mapping changed while the previous analysis runs: the newest mapping is analysed, the stale result is not written', async () => {
    // Under the proposed mapping (nom, email) one row of two is invalid; without the e-mail column both are valid.
    const file = csv('Nom;E-mail\nUn;course-un@x.fr\nDeux;pas-une-adresse\n');
    // The analysis reads its import and mapping first, then the clients (duplicates): a lock on
    // `clients` taken before the upload holds the first analysis after it has read its mapping.
    const pg = new Client({ connectionString: t.dbUrl });
    await pg.connect();
    const jobs = (id: number) =>
      pg.query<{ state: string }>(
        `select state from pgboss.job where name = 'import.analyser' and (data ->> 'importId')::int = $1 order by created_on`,
        [id],
      );
    try {
      await pg.query('begin');
      await pg.query('lock table clients in access exclusive mode');
      const up = await upload(alice, 'clients', { name: 'course-mapping.csv', bytes: file });
      expect(up.statusCode, up.body).toBe(201);
      const id: number = up.json().id;
      // Waits (bounded) until the first analysis is blocked on the lock: it has read the mapping (nom, email).
      for (let i = 0; ; i++) {
        const { rows } = await pg.query(
          `select count(*)::int as n from pg_locks where relation = 'clients'::regclass and not granted`,
        );
        if (rows[0].n > 0) break;
        if (i > 500) throw new Error('the analysis never reached the clients');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await jobs(id)).rows.map((j) => j.state)).toEqual(['active']);
      const p = await alice.patch(`/imports/${id}/`, { mapping: ['nom', null] });
      expect(p.statusCode, p.body).toBe(200);
      expect(p.json()).toMatchObject({ statut: 'analyse', colonnes: [{ champ: 'nom' }, { champ: null }] });
      expect((await jobs(id)).rows.map((j) => j.state)).toEqual(['active', 'created']);
      await pg.query('rollback');
      const final = await ready(alice, id);
      expect(final).toMatchObject({
        statut: 'pret',
        analyse: { lignes: 2, valides: 2, invalides: 0 },
        colonnes: [{ champ: 'nom' }, { champ: null }],
        rapportRejets: null,
      });
      expect(final.apercu.map((l: any) => l.erreurs)).toEqual([{}, {}]);
      // Both analyses ended without an error (the first one wrote nothing), and none is left to overwrite it.
      for (let i = 0; ; i++) {
        const states = (await jobs(id)).rows.map((j) => j.state);
        if (states.every((s) => s === 'completed')) break;
        expect(states.filter((s) => s === 'failed' || s === 'retry')).toEqual([]);
        if (i > 500) throw new Error(`analysis jobs not finished: ${states}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await alice.get(`/imports/${id}/`)).json()).toEqual(final);
    } finally {
      await pg.query('rollback').catch(() => {});
      await pg.end();
    }
  });

  it('an analysis that keeps failing leaves the import `echoue` with a French reason, and nothing imported', async () => {
    const up = await uploadReady(alice, 'clients', { name: 'casse.csv', bytes: csv('Nom\nCassé\n') });
    await t.sql(`update imports set statut = 'analyse', cellules = 'pas du JSON' where id = ?`, [up.id]);
    const job = { id: 'test', name: 'import.analyser', retryCount: 0, retryLimit: 2 };
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // A failed attempt that will be retried leaves the import as it is…
      await expect(importAnalyseJob.run({ importId: up.id }, job, t.deps)).rejects.toThrow();
      expect((await alice.get(`/imports/${up.id}/`)).json().statut).toBe('analyse');
      // …the last one fails it.
      await expect(importAnalyseJob.run({ importId: up.id }, { ...job, retryCount: 2 }, t.deps)).rejects.toThrow();
    } finally {
      quiet.mockRestore();
    }
    expect((await alice.get(`/imports/${up.id}/`)).json()).toMatchObject({
      statut: 'echoue',
      erreur: 'L’analyse du fichier a échoué : rien n’a été importé. Renvoyez le fichier.',
      dateFin: expect.any(String),
    });
    expect((await alice.post(`/imports/${up.id}/valider/`, {})).statusCode).toBe(409);
    expect(await t.sql(`select id from clients where nom = 'Cassé'`)).toEqual([]);
  });
  it('an old analysis failing for good after a mapping change leaves the import to the newer analysis', async () => {
    const up = await uploadReady(alice, 'clients', {
      name: 'course.csv',
      bytes: csv('Nom;E-mail\nCourse;course@x.fr\n'),
    });
    await t.sql(`update imports set statut = 'analyse', cellules = 'pas du JSON' where id = ?`, [up.id]);
    const job = { id: 'test', name: 'import.analyser', retryCount: 2, retryLimit: 2 };
    // The last attempt reads the mapping, then waits on `users` (the import's author) while the
    // mapping changes, then fails (unreadable cells).
    const pg = new Client({ connectionString: t.dbUrl });
    await pg.connect();
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await pg.query('begin');
      await pg.query('lock table users in access exclusive mode');
      const run = importAnalyseJob.run({ importId: up.id }, job, t.deps);
      run.catch(() => {});
      for (let i = 0; ; i++) {
        const [{ n }] = await t.sql<{ n: number }>(
          `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'users' and not l.granted`,
        );
        if (n > 0) break;
        if (i > 500) throw new Error('the analysis never waited on users');
        await new Promise((r) => setTimeout(r, 20));
      }
      await t.sql(`update imports set mapping = '["nom", null]'::jsonb where id = ?`, [up.id]);
      await pg.query('rollback');
      await expect(run).rejects.toThrow();
    } finally {
      quiet.mockRestore();
      await pg.query('rollback').catch(() => {});
      await pg.end();
    }
    // Not failed: the change of mapping queued a newer analysis (here, none runs: the test called the job itself).
    const [row] = await t.sql(`select statut, erreur from imports where id = ?`, [up.id]);
    expect(row).toMatchObject({ statut: 'analyse', erreur: null });
  });
});

describe('tâches with a projet', () => {
  it('projet by id or by name among the visible ones, narrowed by the row’s client; French errors otherwise', async () => {
    const c1 = (await alice.post('/clients/', { nom: 'Client Projets Un' })).json().id;
    const c2 = (await alice.post('/clients/', { nom: 'Client Projets Deux' })).json().id;
    const projet = async (client: RestClient, titre: string, clientId: number) =>
      (await client.post('/projets/', { titre, client: clientId })).json().id as number;
    const audit = await projet(alice, 'Audit énergétique', c1);
    const refonte1 = await projet(alice, 'Refonte du site', c1);
    const refonte2 = await projet(alice, 'Refonte du site', c2);
    const bobClient = (await admin.post('/clients/', { nom: 'Client de Bob', responsable: bobId })).json().id;
    const secret = await projet(admin, 'Projet secret', bobClient);
    const text = [
      'Titre;Priorité;Échéance;Projet;Client',
      'Par le nom;haute;01/03/2027;AUDIT ENERGETIQUE;',
      `Par l’id;basse;02/03/2027;${refonte1};`,
      'Nom partagé, client donné;moyenne;03/03/2027;refonte du site;Client Projets Deux',
      'Nom partagé sans client;moyenne;04/03/2027;Refonte du site;',
      'Autre client;moyenne;05/03/2027;Audit énergétique;Client Projets Deux',
      'Projet invisible;moyenne;06/03/2027;Projet secret;',
      `Id invisible;moyenne;07/03/2027;${secret};`,
      'Inconnu;moyenne;08/03/2027;Nulle part;',
    ].join('\n');
    const { upload: up, done } = await importFile(alice, 'taches', text, { mode: 'valides' });
    expect(up.colonnes.map((c: any) => c.champ)).toEqual(['titre', 'priorite', 'dateEcheance', 'projet', 'client']);
    expect(up.apercu.map((l: any) => l.erreurs)).toEqual([
      {},
      {},
      {},
      {
        projet: [
          'Plusieurs projets portent ce nom : indiquez l’identifiant du projet, ou son client dans la colonne Client.',
        ],
      },
      { projet: ["Le projet n'appartient pas à ce client."] },
      { projet: ['Projet introuvable (identifiant ou nom exact d’un projet que vous voyez).'] },
      { projet: ['Projet introuvable (identifiant ou nom exact d’un projet que vous voyez).'] },
      { projet: ['Projet introuvable (identifiant ou nom exact d’un projet que vous voyez).'] },
    ]);
    expect(done.resultat).toEqual({ crees: 3, misAJour: 0, ignores: 0, rejetes: 5 });
    const rows = await t.sql(
      `select titre, projet_id, client_id, assigne_a_id from taches where titre in ('Par le nom', 'Par l’id', 'Nom partagé, client donné') order by date_echeance`,
    );
    expect(rows).toEqual([
      { titre: 'Par le nom', projet_id: audit, client_id: c1, assigne_a_id: aliceId },
      { titre: 'Par l’id', projet_id: refonte1, client_id: c1, assigne_a_id: aliceId },
      { titre: 'Nom partagé, client donné', projet_id: refonte2, client_id: c2, assigne_a_id: aliceId },
    ]);
    // The API reads them under their projet.
    expect((await alice.get(`/projets/${audit}/taches/`)).json().results.map((x: any) => x.titre)).toEqual([
      'Par le nom',
    ]);
    // An admin sees every projet: the same title resolves for them.
    const adm = await uploadReady(admin, 'taches', {
      name: 'admin.csv',
      bytes: csv('Titre;Priorité;Échéance;Projet\nPour Bob;haute;01/04/2027;projet SECRET\n'),
    });
    expect(adm.apercu[0].erreurs).toEqual({});
  });

  it('duplicates of a tâche updated with its projet (mettre_a_jour)', async () => {
    const c = (await alice.post('/clients/', { nom: 'Client Doublon Projet' })).json().id;
    const p = (await alice.post('/projets/', { titre: 'Projet du doublon', client: c })).json().id;
    const existing = (
      await alice.post('/taches/', { titre: 'Appeler', priorite: 'basse', dateEcheance: '2027-05-01', client: c })
    ).json().id;
    const { done } = await importFile(
      alice,
      'taches',
      'Titre;Priorité;Échéance;Projet\nappeler;haute;01/05/2027;Projet du doublon\n',
      { doublons: 'mettre_a_jour' },
    );
    expect(done.resultat).toEqual({ crees: 0, misAJour: 1, ignores: 0, rejetes: 0 });
    expect(await t.sql('select priorite, projet_id, client_id from taches where id = ?', [existing])).toEqual([
      { priorite: 'haute', projet_id: p, client_id: c },
    ]);
  });
});

describe('opportunités at conclusion', () => {
  it('accepted with a result (French or English, any case and accents), the reason of a loss kept for lost deals only', async () => {
    const client = (await alice.post('/clients/', { nom: 'Client Conclusions' })).json().id;
    const text = [
      'Opportunité;Client;Étape;Résultat;Motif de perte;Montant',
      'Gagnée FR;Client Conclusions;Conclusion;Gagnée;;1 000',
      'Lost EN;Client Conclusions;closing;LOST;Trop cher;200',
      'Perdu sans accent;client conclusions;conclusion;perdu;;',
      'Won with a reason;Client Conclusions;conclusion;won;ignoré;',
      'Sans résultat;Client Conclusions;conclusion;;;',
      'Résultat trop tôt;Client Conclusions;négociation;gagnée;;',
      'Résultat inconnu;Client Conclusions;conclusion;peut-être;;',
    ].join('\n');
    const { upload: up, done } = await importFile(alice, 'opportunites', text, { mode: 'valides' });
    expect(up.colonnes.map((c: any) => c.champ)).toEqual([
      'nom',
      'client',
      'etape',
      'resultat',
      'motifPerte',
      'montant',
    ]);
    expect(up.apercu.map((l: any) => l.erreurs)).toEqual([
      {},
      {},
      {},
      {},
      {
        resultat: ['À l’étape conclusion, le résultat est obligatoire : « gagnée » ou « perdue » (colonne Résultat).'],
      },
      { resultat: ["Le résultat ne peut être renseigné qu'à l'étape conclusion."] },
      { resultat: ['Valeur non autorisée.'] },
    ]);
    expect(done.resultat).toEqual({ crees: 4, misAJour: 0, ignores: 0, rejetes: 3 });
    const rows = await t.sql(
      `select nom, etape, resultat, motif_perte, date_conclusion is not null as conclue, montant::text from opportunites
        where client_id = ? order by id`,
      [client],
    );
    expect(rows).toEqual([
      { nom: 'Gagnée FR', etape: 'conclusion', resultat: 'gagnee', motif_perte: '', conclue: true, montant: '1000.00' },
      {
        nom: 'Lost EN',
        etape: 'conclusion',
        resultat: 'perdue',
        motif_perte: 'Trop cher',
        conclue: true,
        montant: '200.00',
      },
      {
        nom: 'Perdu sans accent',
        etape: 'conclusion',
        resultat: 'perdue',
        motif_perte: '',
        conclue: true,
        montant: '0.00',
      },
      {
        nom: 'Won with a reason',
        etape: 'conclusion',
        resultat: 'gagnee',
        motif_perte: '',
        conclue: true,
        montant: '0.00',
      },
    ]);
    // Read by the API like deals concluded there.
    const won = (await alice.get(`/opportunites/?client=${client}&resultat=gagnee`)).json();
    expect(won.results.map((o: any) => o.nom).sort()).toEqual(['Gagnée FR', 'Won with a reason']);
  });

  it('at conclusion without a result column: the error is on the stage', async () => {
    await alice.post('/clients/', { nom: 'Client Sans Colonne' });
    const up = await uploadReady(alice, 'opportunites', {
      name: 'sans-resultat.csv',
      bytes: csv('Nom;Client;Étape\nFinie;Client Sans Colonne;Conclusion\nOuverte;Client Sans Colonne;Prospect\n'),
    });
    expect(up.apercu.map((l: any) => l.erreurs)).toEqual([
      { etape: ['À l’étape conclusion, le résultat est obligatoire : « gagnée » ou « perdue » (colonne Résultat).'] },
      {},
    ]);
  });
});
