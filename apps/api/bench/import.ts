/**
 * `pnpm --filter @crm/api bench:import`: imports IMPORT_ROWS (default 50 000) client rows from a CSV
 * through the real API (fresh test database, in-process app, job worker in the same process) and
 * prints the time of each step: the upload request (`POST /api/imports/`: the file decoded and
 * stored), its background analysis until the import is `pret` (polled like the SPA does), then
 * validation until the import job is done (polled), and the whole. The file is French Excel's:
 * `;`, UTF-8 BOM, French phone numbers, a contact per row; IMPORT_EXISTING (default 10 000) clients
 * exist beforehand, and one row in 50 duplicates one of them (policy `mettre_a_jour`). Target: < 30 s.
 */
import { startTestApp } from '../test/helpers.js';

const ROWS = Number(process.env.IMPORT_ROWS ?? 50_000);
const EXISTING = Number(process.env.IMPORT_EXISTING ?? 10_000);
const BOUNDARY = '----crmBenchBoundary';

const t = await startTestApp({ env: { RATE_LIMIT_USER_PER_MINUTE: '100000', LOG_LEVEL: 'warn' } });
try {
  await t.user('bench', 'admin');
  const admin = await t.as('bench');
  await t.sql(
    `insert into clients (nom, societe, email, telephone, responsable_id)
     select 'Existant ' || i, 'Société ' || i, 'existant' || i || '@exemple.fr', '', (select id from users where username = 'bench')
       from generate_series(1, ?) i`,
    [EXISTING],
  );
  const lines = ['Nom;Société;E-mail;Téléphone;Catégorie;Notes;Prénom du contact;Nom du contact;E-mail du contact'];
  for (let i = 1; i <= ROWS; i++) {
    const dup = i % 50 === 0 && i / 50 <= EXISTING;
    const phone = `06 ${String(10 + (i % 90)).padStart(2, '0')} ${String(i % 100).padStart(2, '0')} ${String(Math.floor(i / 100) % 100).padStart(2, '0')} ${String(i % 97).padStart(2, '0')}`;
    lines.push(
      dup
        ? `Existant ${i / 50};Société ${i / 50};existant${i / 50}@exemple.fr;;Mis à jour;import;;;`
        : `Client ${i};Entreprise ${i % 700} SARL;client${i}@exemple.fr;${phone};PME;Importé le 06/12/2026;Prénom${i};Contact${i};contact${i}@exemple.fr`,
    );
  }
  const csv = Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
  const body = Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="ressource"\r\n\r\nclients\r\n`),
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="fichier"; filename="clients.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    csv,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);

  const t0 = performance.now();
  const up = await t.app.inject({
    method: 'POST',
    url: '/api/imports/',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    payload: body,
  });
  if (up.statusCode !== 201) throw new Error(`upload: ${up.statusCode} ${up.body}`);
  const tUpload = performance.now();
  let imp: any = up.json();
  while (imp.statut === 'analyse') {
    await new Promise((r) => setTimeout(r, 250));
    imp = (await admin.get(`/imports/${imp.id}/`)).json();
  }
  if (imp.statut !== 'pret') throw new Error(`analysis: ${imp.statut} ${imp.erreur}`);
  const t1 = performance.now();
  const v = await admin.post(`/imports/${imp.id}/valider/`, { doublons: 'mettre_a_jour', mode: 'valides' });
  if (v.statusCode !== 200) throw new Error(`valider: ${v.statusCode} ${v.body}`);
  let done: any;
  let polls = 0;
  const seen: number[] = [];
  for (;;) {
    done = (await admin.get(`/imports/${imp.id}/`)).json();
    polls++;
    if (seen[seen.length - 1] !== done.progression.faits) seen.push(done.progression.faits);
    if (done.statut === 'termine' || done.statut === 'echoue') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const t2 = performance.now();
  const [{ n: clients }] = await t.sql<{ n: number }>('select count(*)::int as n from clients');
  const [{ n: contacts }] = await t.sql<{ n: number }>('select count(*)::int as n from contacts');
  const result = {
    rows: ROWS,
    fileMB: Number((csv.length / 1e6).toFixed(1)),
    uploadMs: Math.round(tUpload - t0),
    analyseMs: Math.round(t1 - tUpload),
    uploadAnalyseMs: Math.round(t1 - t0),
    jobMs: Math.round(t2 - t1),
    totalMs: Math.round(t2 - t0),
    statut: done.statut,
    resultat: done.resultat,
    analyse: imp.analyse,
    progressSeen: seen,
    polls,
    clients,
    contacts,
  };
  console.log(
    `import of ${ROWS} client rows (${result.fileMB} MB CSV): upload request ${result.uploadMs} ms, ` +
      `background analysis ${result.analyseMs} ms (upload + analysis ${result.uploadAnalyseMs} ms), ` +
      `job ${result.jobMs} ms, total ${(result.totalMs / 1000).toFixed(1)} s — ${done.statut}, ` +
      `${done.resultat.crees} created, ${done.resultat.misAJour} updated, ${done.resultat.rejetes} rejected; progress seen: ${seen.join(' → ')}`,
  );
  console.log(`BENCH ${JSON.stringify(result)}`);
  if (done.statut !== 'termine') process.exitCode = 1;
} finally {
  await t.close();
}
