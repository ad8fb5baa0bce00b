import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, createTestDatabase, restoreDatabase, tableSummaries, TEST_ADMIN_URL } from '@crm/db';
import { loadBackupConfig } from '../src/config.js';
import { backupSchedule, DEFAULT_BACKUP_CRON } from '../src/jobs/backup.js';
import { enqueue } from '../src/jobs/queue.js';
import { startTestApp, type TestApp } from './helpers.js';

const API_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-backup-'));
let t: TestApp;
const dropLater: (() => Promise<void>)[] = [];

async function emptyDatabase(): Promise<string> {
  const db = await createTestDatabase('crm_restore');
  dropLater.push(db.drop);
  return db.url;
}

beforeAll(async () => {
  t = await startTestApp({ env: { BACKUP_DIR: path.join(tmp, 'scheduled'), BACKUP_SCHEDULE: '0 3 * * *' } });
  await t.user('admin', 'admin');
  const admin = await t.as('admin');
  // Text that COPY must escape (tab, newline, backslash), accents, NULLs, JSON, money.
  const client = (
    await admin.post('/clients/', { nom: 'Élan « Bois »', notes: 'ligne 1\nligne\t2 \\ fin', email: 'elan@example.fr' })
  ).json().id;
  await admin.post('/clients/', { nom: 'Sans e-mail' });
  const projet = (await admin.post('/projets/', { titre: 'Charpente', client, budget: 12500.3 })).json().id;
  const opp = (await admin.post('/opportunites/', { nom: 'Toiture', client, montant: 8000 })).json().id;
  await admin.post('/devis/', {
    opportunite: opp,
    lignes: [{ designation: 'Pose', quantite: 2, prixUnitaire: 150.5, tauxTva: 20 }],
  });
  await admin.post('/taches/', { titre: 'Relancer', projet, dateEcheance: '2027-01-15', priorite: 'haute' });
});
afterAll(async () => {
  await t?.close();
  for (const drop of dropLater) await drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Every table of the source and the restored database: same rows, same checksum. */
async function expectSameData(restoredUrl: string) {
  const [source, restored] = [await tableSummaries(t.dbUrl), await tableSummaries(restoredUrl)];
  expect(Object.keys(source).length).toBeGreaterThanOrEqual(8);
  expect(source['public.clients'].rows).toBe(2);
  expect(restored).toEqual(source);
}

describe('logical backup (the embedded PostgreSQL has no pg_dump)', () => {
  it('dumps every table in one snapshot, gzip + manifest, and restores into an empty database identically', async () => {
    const dir = path.join(tmp, 'logical');
    const r = await backupDatabase({ url: t.dbUrl, dir, method: 'logical' });
    expect(r.manifest.method).toBe('logical');
    expect(path.basename(r.file)).toMatch(/^crm-\d{8}T\d{9}Z\.copy\.gz$/);
    expect(zlib.gunzipSync(fs.readFileSync(r.file)).toString('utf8').split('\n')[0]).toBe('CRM-LOGICAL-BACKUP 1');
    const manifest = JSON.parse(fs.readFileSync(r.manifestFile, 'utf8'));
    expect(manifest.migrations.at(-1)).toBe(
      (await t.sql('select name from mikro_orm_migrations order by id desc limit 1'))[0].name,
    );
    expect(manifest.tables).toEqual(await tableSummaries(t.dbUrl));

    const target = await emptyDatabase();
    const restored = await restoreDatabase({ url: target, file: r.file });
    expect(restored.method).toBe('logical');
    await expectSameData(target);
    // Sequences continue after the restored ids; the schema is at the backup's version.
    const { restoredApp } = await openApp(target);
    try {
      const admin = await restoredApp.as('admin');
      const created = await admin.post('/clients/', { nom: 'Après restauration' });
      expect(created.statusCode).toBe(201);
      expect(created.json().id).toBe(3);
    } finally {
      await restoredApp.close();
    }
  });

  it('is one snapshot: pairs written during the backup are in it whole or not at all', async () => {
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        n++;
        await t.sql(
          `with c as (insert into clients (nom, responsable_id) values (?, null) returning id)
          insert into projets (titre, client_id) select ?, id from c`,
          [`Paire ${n}`, `Paire ${n}`],
        );
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const r = await backupDatabase({ url: t.dbUrl, dir: path.join(tmp, 'snapshot'), method: 'logical' });
    stop = true;
    await writer;
    const target = await emptyDatabase();
    await restoreDatabase({ url: target, file: r.file });
    const { restoredApp } = await openApp(target);
    try {
      const [pairs] = await restoredApp.sql(
        `select (select count(*)::int from clients where nom like 'Paire %') as c, (select count(*)::int from projets where titre like 'Paire %') as p`,
      );
      expect(pairs.c).toBe(pairs.p);
      expect(pairs.c).toBe(r.manifest.tables['public.clients'].rows - 2);
      expect(n).toBeGreaterThan(pairs.c); // writes went on after the snapshot
    } finally {
      await restoredApp.close();
    }
    await t.sql(`delete from projets where titre like 'Paire %'`);
    await t.sql(`delete from clients where nom like 'Paire %'`);
  });

  it('refuses a database that is not empty, and a damaged file, changing nothing', async () => {
    const r = await backupDatabase({ url: t.dbUrl, dir: path.join(tmp, 'logical2'), method: 'logical' });
    await expect(restoreDatabase({ url: t.dbUrl, file: r.file })).rejects.toThrow(/not empty/);
    // A row changed inside the file (same length, valid gzip): the checksum catches it, the transaction rolls back.
    const text = zlib.gunzipSync(fs.readFileSync(r.file)).toString('utf8').replace('Sans e-mail', 'Sans e-maiL');
    const damaged = path.join(tmp, 'damaged.copy.gz');
    fs.writeFileSync(damaged, zlib.gzipSync(text));
    const target = await emptyDatabase();
    await expect(restoreDatabase({ url: target, file: damaged })).rejects.toThrow(/damaged/);
    const after = await tableSummaries(target);
    expect(Object.values(after).every((s) => s.rows === 0)).toBe(true);
  });

  it('keeps the BACKUP_KEEP newest backups', async () => {
    const dir = path.join(tmp, 'retention');
    const files: string[] = [];
    for (let i = 0; i < 3; i++)
      files.push((await backupDatabase({ url: t.dbUrl, dir, keep: 2, method: 'logical' })).file);
    expect(fs.readdirSync(dir).sort()).toEqual(
      files
        .slice(1)
        .flatMap((f) => [path.basename(f), path.basename(f).replace('.copy.gz', '.json')])
        .sort(),
    );
  });
});

describe('pnpm backup / pnpm restore', () => {
  const run = (script: string, args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
        cwd: API_DIR,
        env: { ...process.env, ...env },
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('exit', (code) => resolve({ code, out }));
    });

  it('backs up with pg_dump when one matches the server (custom format) and restores into a new database', async () => {
    const dir = path.join(tmp, 'cli');
    const backup = await run('backup', [], { DATABASE_URL: t.dbUrl, BACKUP_DIR: dir });
    expect(backup.code, backup.out).toBe(0);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.dump'))!;
    expect(fs.readFileSync(path.join(dir, file)).subarray(0, 5).toString('latin1')).toBe('PGDMP');
    expect(JSON.parse(fs.readFileSync(path.join(dir, file.replace('.dump', '.json')), 'utf8')).tables).toEqual(
      await tableSummaries(t.dbUrl),
    );

    const target = new URL(t.dbUrl);
    const name = `${target.pathname.slice(1)}_r`;
    dropLater.push(async () => {
      const c = await import('pg');
      const admin = new c.default.Client({ connectionString: TEST_ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    });
    const restore = await run('restore', [file, '--database', name], { DATABASE_URL: t.dbUrl, INIT_CWD: dir });
    expect(restore.code, restore.out).toBe(0);
    target.pathname = `/${name}`;
    await expectSameData(target.toString());
    // Two CLI processes, each transforming and loading the database layer cold (tsx, MikroORM: seconds
    // of CPU each, several times that on a loaded machine), plus pg_dump and pg_restore.
  }, 90_000);
});

describe('scheduled backups', () => {
  it('default: daily for the embedded database, none for a DATABASE_URL; BACKUP_SCHEDULE overrides, off disables', () => {
    expect(backupSchedule(loadBackupConfig({}), true)).toBe(DEFAULT_BACKUP_CRON);
    expect(backupSchedule(loadBackupConfig({}), false)).toBeNull();
    expect(backupSchedule(loadBackupConfig({ BACKUP_SCHEDULE: 'off' }), true)).toBeNull();
    expect(backupSchedule(loadBackupConfig({ BACKUP_SCHEDULE: '30 1 * * 0' }), false)).toBe('30 1 * * 0');
  });

  it('the API schedules the backup job on the pg-boss queue, and the job writes a backup', async () => {
    const [row] = await t.sql(`select cron from pgboss.schedule where name = 'backup.database'`);
    expect(row.cron).toBe('0 3 * * *');
    await enqueue(t.orm.em.fork(), 'backup.database', {});
    const dir = path.join(tmp, 'scheduled');
    for (
      let i = 0;
      i < 200 && !(fs.existsSync(dir) && fs.readdirSync(dir).some((f) => /\.(dump|copy\.gz)$/.test(f)));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(fs.readdirSync(dir).filter((f) => /\.(dump|copy\.gz)$/.test(f))).toHaveLength(1);
  });

  it('BACKUP_SCHEDULE=off schedules nothing', async () => {
    const other = await startTestApp({ env: { BACKUP_SCHEDULE: 'off' } });
    try {
      // Other scheduled jobs (due/overdue notices) stay; no backup is scheduled.
      expect(await other.sql(`select name from pgboss.schedule where name like 'backup%'`)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

async function openApp(url: string) {
  return { restoredApp: await startTestApp({ database: { url, drop: async () => {} } }) };
}
