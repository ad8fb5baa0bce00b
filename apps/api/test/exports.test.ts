import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApp, type RestClient, type TestApp } from './helpers.js';
import { seedDashboardData } from './dashboard-fixtures.js';
import { pdfText } from './pdf-text.js';

/** POST /api/rapports/export/: CSV (French Excel), XLSX read back with exceljs, PDF through pdftotext. */
let t: TestApp;
let admin: RestClient;
let alice: RestClient;
let bobId: number;
let ids: Record<string, number> = {};
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  const aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  ids = await seedDashboardData(t, { aliceId, bobId });
  await t.sql(
    `update clients set categorie = case id when ? then 'VIP' when ? then 'PME' when ? then 'VIP' else '=HYPERLINK("x";"y")' end`,
    [ids.A1, ids.A2, ids.B1],
  );
  [admin, alice] = await Promise.all([t.as('admin'), t.as('alice')]);
});
afterAll(async () => t?.close());

const csvLines = (body: Buffer) =>
  body
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split('\r\n');

describe('CSV', () => {
  it('pipeline: UTF-8 BOM, `;`, decimal comma, French headers, a total row', async () => {
    const res = await admin.post('/rapports/export/', { rapport: 'pipeline', format: 'csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="rapport-pipeline-${today()}.csv"`);
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csvLines(res.rawPayload)).toEqual([
      'Étape;Opportunités;Montant;Montant pondéré',
      'Prospect;1;1000,50;300,15',
      'Qualification;0;0,00;0,00',
      'Proposition;1;3333,33;1100,00',
      'Négociation;1;2000,00;1100,00',
      'Conclusion;5;17099,99;15470,00',
      'Total;8;23433,82;17970,15',
      '',
    ]);
  });

  it('performances: ratio as a percentage column', async () => {
    const lines = csvLines(
      (await admin.post('/rapports/export/', { rapport: 'performances', format: 'csv' })).rawPayload,
    );
    expect(lines[0]).toBe(
      'Commercial;Gagnées;Perdues;Taux de conversion (%);Montant gagné;Tâches terminées;Tâches en retard',
    );
    expect(lines[1]).toBe('bob Test;2;1;66,67;10400,00;1;0');
    expect(lines[2]).toBe('alice Test;1;1;50;5000,00;0;1');
  });

  it('clients: one section per table; quotes and neutralises formula-looking text', async () => {
    const lines = csvLines((await admin.post('/rapports/export/', { rapport: 'clients', format: 'csv' })).rawPayload);
    expect(lines.slice(0, 4)).toEqual([
      'Synthèse',
      'Clients;Valeur totale (gagnée);Pipeline pondéré',
      '4;15400,00;2500,15',
      '',
    ]);
    expect(lines).toContain('Par catégorie');
    expect(lines).toContain('VIP;2;15400,00');
    expect(lines).toContain(`"'=HYPERLINK(""x"";""y"")";1;0,00`);
  });

  it('applies the filters and the caller’s visibility', async () => {
    const won = csvLines(
      (
        await admin.post('/rapports/export/', {
          rapport: 'opportunites',
          format: 'csv',
          filtres: { resultat: 'gagnee' },
        })
      ).rawPayload,
    );
    expect(won[2]).toBe('3;15400,00;0,00;3;0;100;15400,00');
    const mine = csvLines((await alice.post('/rapports/export/', { rapport: 'pipeline', format: 'csv' })).rawPayload);
    expect(mine).toContain('Conclusion;2;5700,00;5070,00');
    const late = csvLines(
      (await admin.post('/rapports/export/', { rapport: 'projets', format: 'csv', filtres: { enRetard: true } }))
        .rawPayload,
    );
    expect(late[2]).toBe('1;0,00;1');
  });
});

describe('XLSX', () => {
  it('is a real workbook: typed cells, formats, one sheet per table plus Informations', async () => {
    const res = await admin.post('/rapports/export/', {
      rapport: 'performances',
      format: 'xlsx',
      filtres: { dateDebut: '2000-01-01' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="rapport-performances-${today()}.xlsx"`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Performances par commercial', 'Informations']);
    const ws = wb.getWorksheet('Performances par commercial')!;
    expect((ws.getRow(1).values as any[]).slice(1)).toEqual([
      'Commercial',
      'Gagnées',
      'Perdues',
      'Taux de conversion',
      'Montant gagné',
      'Tâches terminées',
      'Tâches en retard',
    ]);
    expect((ws.getRow(2).values as any[]).slice(1)).toEqual(['bob Test', 2, 1, 0.6667, 10400, 1, 0]);
    expect(ws.getCell('E2').numFmt).toContain('€');
    expect(ws.getCell('D2').numFmt).toContain('%');
    expect(ws.rowCount).toBe(5);
    const info = wb.getWorksheet('Informations')!;
    expect(info.getCell('A1').value).toBe('Performances commerciales');
    expect(String(info.getCell('A3').value)).toContain('Du : 01/01/2000');
  });

  it('clients: sheets for each table with exact amounts', async () => {
    const res = await admin.post('/rapports/export/', { rapport: 'clients', format: 'xlsx' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Synthèse',
      'Par catégorie',
      'Par responsable',
      'Par mois de création',
      'Informations',
    ]);
    expect((wb.getWorksheet('Synthèse')!.getRow(2).values as any[]).slice(1)).toEqual([4, 15400, 2500.15]);
  });
});

describe('PDF', () => {
  it('pipeline: French labels and euro amounts', async () => {
    const res = await admin.post('/rapports/export/', { rapport: 'pipeline', format: 'pdf' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="rapport-pipeline-${today()}.pdf"`);
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(res.rawPayload);
    for (const s of [
      'Pipeline commercial',
      'Étape',
      'Négociation',
      '1 000,50 €',
      '17 099,99 €',
      '23 433,82 €',
      '17 970,15 €',
      'Filtres — aucun',
    ]) {
      expect(text, s).toContain(s);
    }
  });

  it('performances (landscape, 7 columns) and opportunites with filters', async () => {
    const perfPdf = (await admin.post('/rapports/export/', { rapport: 'performances', format: 'pdf' })).rawPayload;
    if (process.env.KEEP_PDF) fs.writeFileSync(process.env.KEEP_PDF, perfPdf);
    const perf = pdfText(perfPdf);
    for (const s of ['Performances commerciales', 'bob Test', '66,67 %', '10 400,00 €', 'alice Test', '50 %'])
      expect(perf, s).toContain(s);
    const opp = pdfText(
      (
        await admin.post('/rapports/export/', {
          rapport: 'opportunites',
          format: 'pdf',
          filtres: { responsable: bobId },
        })
      ).rawPayload,
    );
    expect(opp).toContain(`Responsable (id) : ${bobId}`);
    expect(opp).toContain('14 733,32 €'); // 3333.33 + 10000 + 400 + 999.99
  });
});

describe('validation and denials', () => {
  it('400 in the contract shape: missing or unknown rapport/format, bad filters (named filtres.x)', async () => {
    const missing = await admin.post('/rapports/export/', { format: 'csv' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Données invalides.',
      fieldErrors: { rapport: [expect.any(String)] },
    });
    expect(
      (await admin.post('/rapports/export/', { rapport: 'pipeline', format: 'docx' })).json().fieldErrors.format,
    ).toEqual(['Valeur non autorisée.']);
    const badDate = await admin.post('/rapports/export/', {
      rapport: 'clients',
      format: 'csv',
      filtres: { dateDebut: '2026-13-01' },
    });
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json().fieldErrors['filtres.dateDebut']).toEqual(['Date invalide (format AAAA-MM-JJ).']);
    const badEtape = await admin.post(
      '/rapports/export/',
      { rapport: 'pipeline', format: 'pdf', filtres: { etape: 'inconnue' } },
      { 'accept-language': 'en' },
    );
    expect(badEtape.json().fieldErrors['filtres.etape']).toEqual(['Value not allowed.']);
    expect(
      (await admin.post('/rapports/export/', { rapport: 'pipeline', format: 'csv', filtres: 'x' })).statusCode,
    ).toBe(400);
    const malformed = await admin.post('/rapports/export/', undefined, { 'content-type': 'application/json' });
    expect(malformed.statusCode).toBe(400);
    expect((await admin.post('/rapports/export', { rapport: 'pipeline', format: 'csv' })).statusCode).toBe(200);
  });

  it('401 without credentials; cookie auth needs the CSRF header (403), Bearer does not', async () => {
    const anon = await t.anonymous().post('/rapports/export/', { rapport: 'pipeline', format: 'csv' });
    expect(anon.statusCode).toBe(401);
    expect(anon.json().code).toBe('UNAUTHORIZED');

    const login = await t.anonymous().post('/auth/login/', { username: 'alice', password: PASSWORD });
    const jar = Object.fromEntries(login.cookies.map((c: { name: string; value: string }) => [c.name, c.value]));
    const cookie = Object.entries(jar)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const noCsrf = await t.anonymous().post('/rapports/export/', { rapport: 'pipeline', format: 'csv' }, { cookie });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe('FORBIDDEN');
    const withCsrf = await t
      .anonymous()
      .post('/rapports/export/', { rapport: 'pipeline', format: 'csv' }, { cookie, 'x-csrftoken': jar.csrftoken });
    expect(withCsrf.statusCode).toBe(200);
  });

  it('is documented in /api/openapi.json', async () => {
    const doc = (await t.anonymous().get('/openapi.json')).json();
    const op = doc.paths['/rapports/export/'].post;
    expect(Object.keys(op.responses['200'].content)).toEqual([
      'text/csv; charset=utf-8',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/pdf',
    ]);
    expect(doc.paths['/rapports/pipeline/'].get).toBeDefined();
  });
});
