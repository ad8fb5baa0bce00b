import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { initOrm } from './orm.js';
import { migrationNames } from './migrationFiles.js';

/**
 * Backups of the app's database, consistent (one snapshot) and compressed:
 * - `pg_dump` custom format when a pg_dump of the server's major version is at hand (it then
 *   also holds the job queue, sequences, everything), run on a snapshot exported by a
 *   REPEATABLE READ transaction that computes the manifest on the same data;
 * - otherwise (the embedded PostgreSQL ships no pg_dump; a distribution's client may be older than
 *   the server) a logical dump made here: every table of schema `public` COPYed inside one
 *   REPEATABLE READ READ ONLY transaction, gzip.
 * Each backup has a manifest (schema version = migrations applied, rows and sha256 per table).
 */

const execFileP = promisify(execFile);

export type BackupMethod = 'pg_dump' | 'logical';

export interface TableSummary {
  rows: number;
  /** sha256 of the table's COPY text output ordered by primary key: equal data ⇔ equal checksum. */
  sha256: string;
}

export interface BackupManifest {
  format: 'crm-backup';
  version: 1;
  method: BackupMethod;
  createdAt: string;
  serverVersion: string;
  /** Schema version: names of the migrations applied, in order. */
  migrations: string[];
  tables: Record<string, TableSummary>;
}

export interface BackupResult {
  file: string;
  manifestFile: string;
  manifest: BackupManifest;
  /** Older backups removed by the retention policy. */
  removed: string[];
}

const LOGICAL_MAGIC = 'CRM-LOGICAL-BACKUP 1';
const FILE_RE = /^crm-\d{8}T\d{9}Z\.(dump|copy\.gz)$/;

/** Writes a backup of `url` into `dir`, then keeps only the `keep` newest backups there. */
export async function backupDatabase(opts: {
  url: string;
  dir: string;
  keep?: number;
  method?: BackupMethod | 'auto';
  pgBin?: string;
}): Promise<BackupResult> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:.]/g, ''); // 20261206T030000123Z: sorts by time
  const client = new pg.Client({ connectionString: opts.url });
  await client.connect();
  try {
    const { serverVersion, serverMajor } = await serverInfo(client);
    const pgDump = opts.method === 'logical' ? null : await findPgTool('pg_dump', serverMajor, opts.pgBin);
    if (opts.method === 'pg_dump' && !pgDump)
      throw new Error(`no pg_dump of PostgreSQL ${serverMajor} found (set BACKUP_PG_BIN)`);
    const method: BackupMethod = pgDump ? 'pg_dump' : 'logical';
    const file = path.join(opts.dir, `crm-${stamp}.${method === 'pg_dump' ? 'dump' : 'copy.gz'}`);
    const partial = `${file}.partial`;
    await client.query('begin isolation level repeatable read read only');
    try {
      const migrations = await appliedMigrations(client);
      const tables = await publicTables(client);
      const base = {
        format: 'crm-backup' as const,
        version: 1 as const,
        method,
        createdAt: new Date().toISOString(),
        serverVersion,
        migrations,
      };
      let summaries: Record<string, TableSummary>;
      if (pgDump) {
        const snapshot = (await client.query<{ s: string }>('select pg_export_snapshot() as s')).rows[0].s;
        const dump = runPgDump(pgDump, opts.url, snapshot, partial);
        dump.catch(() => {}); // awaited below, after the summaries computed meanwhile on the same snapshot
        summaries = await summarize(client, tables);
        await dump;
        fs.chmodSync(partial, 0o600);
      } else {
        summaries = await writeLogical(client, tables, base, partial);
      }
      await client.query('commit');
      const manifest: BackupManifest = { ...base, tables: summaries };
      const manifestFile = file.replace(/\.(dump|copy\.gz)$/, '.json');
      fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(partial, file);
      return { file, manifestFile, manifest, removed: applyRetention(opts.dir, opts.keep ?? 14) };
    } catch (err) {
      await client.query('rollback').catch(() => {});
      fs.rmSync(partial, { force: true });
      throw err;
    }
  } finally {
    await client.end();
  }
}

/**
 * Restores a backup into `url`, which must be an empty database (no table in schema `public`):
 * pg_restore for a pg_dump file; for a logical one, the migrations up to the backup's schema
 * version, then every table's rows in one transaction, checked against the file's checksums
 * before commit (all or nothing). Migrations newer than the backup run at the next start.
 */
export async function restoreDatabase(opts: {
  url: string;
  file: string;
  pgBin?: string;
}): Promise<{ method: BackupMethod; tables: Record<string, TableSummary> }> {
  const client = new pg.Client({ connectionString: opts.url });
  await client.connect();
  try {
    const existing = await publicTables(client);
    if (existing.length)
      throw new Error(`the target database is not empty (${existing.length} tables): restore into a new database`);
    const head = Buffer.alloc(5);
    const fd = fs.openSync(opts.file, 'r');
    fs.readSync(fd, head, 0, 5, 0);
    fs.closeSync(fd);
    if (head.toString('latin1') === 'PGDMP') {
      const { serverMajor } = await serverInfo(client);
      const pgRestore = await findPgTool('pg_restore', serverMajor, opts.pgBin);
      if (!pgRestore)
        throw new Error(
          `no pg_restore of PostgreSQL ${serverMajor} found to read this pg_dump backup (set BACKUP_PG_BIN)`,
        );
      await runTool(
        pgRestore,
        ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', opts.file],
        opts.url,
      );
      return { method: 'pg_dump', tables: await summarize(client, await publicTables(client)) };
    }
    return { method: 'logical', tables: await restoreLogical(client, opts.url, opts.file) };
  } finally {
    await client.end();
  }
}

/** Creates the database named by `url` on its server when it does not exist (a restore target). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const c = new pg.Client({ connectionString: target.toString() });
  await c.connect();
  try {
    const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (!exists.rowCount) await c.query(`create database ${q(name)}`);
  } finally {
    await c.end();
  }
}

/** Rows and checksum of every table of schema `public` (what a manifest records), in one snapshot. */
export async function tableSummaries(url: string): Promise<Record<string, TableSummary>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const out = await summarize(client, await publicTables(client));
    await client.query('commit');
    return out;
  } finally {
    await client.end();
  }
}

// ————— tables —————

interface TableInfo {
  /** `schema.table`, as listed in manifests. */
  name: string;
  quoted: string;
  /** Columns to copy (not generated), quoted, in order. */
  columns: string;
  /** `order by` making the COPY output deterministic (primary key, else every column). */
  order: string;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/**
 * Tables of schema `public` except the migrations table (restored by the migrator), parents
 * before children (foreign keys), so a restore inserts in an order every constraint and trigger
 * accepts.
 */
async function publicTables(client: pg.Client): Promise<TableInfo[]> {
  const { rows } = await client.query<{
    oid: number;
    name: string;
    cols: string[];
    pk: string[] | null;
    deps: number[];
  }>(`
    select c.oid::int as oid, c.relname as name,
      array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' order by a.attnum) as cols,
      (select array(select a.attname::text from unnest(i.indkey) with ordinality k(n, o) join pg_attribute a on a.attrelid = c.oid and a.attnum = k.n order by k.o)
         from pg_index i where i.indrelid = c.oid and i.indisprimary) as pk,
      array(select distinct f.confrelid::int from pg_constraint f where f.conrelid = c.oid and f.contype = 'f' and f.confrelid <> c.oid) as deps
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> 'mikro_orm_migrations'
    order by c.relname`);
  const byOid = new Map(rows.map((r) => [r.oid, r]));
  const ordered: typeof rows = [];
  const seen = new Set<number>();
  const visit = (r: (typeof rows)[number], stack: Set<number>) => {
    if (seen.has(r.oid) || stack.has(r.oid)) return;
    stack.add(r.oid);
    for (const d of r.deps) {
      const dep = byOid.get(d);
      if (dep) visit(dep, stack);
    }
    seen.add(r.oid);
    ordered.push(r);
  };
  for (const r of rows) visit(r, new Set());
  return ordered.map((r) => ({
    name: `public.${r.name}`,
    quoted: `public.${q(r.name)}`,
    columns: r.cols.map(q).join(', '),
    order: (r.pk?.length ? r.pk : r.cols).map(q).join(', '),
  }));
}

async function appliedMigrations(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>('select name from mikro_orm_migrations order by id');
  return rows.map((r) => r.name.replace(/\.(ts|js)$/, ''));
}

const selectSql = (t: TableInfo) => `copy (select ${t.columns} from ${t.quoted} order by ${t.order}) to stdout`;

/** Streams a table's COPY output into `sink` (if any) while counting its rows and hashing it. */
async function copyTable(client: pg.Client, t: TableInfo, sink?: NodeJS.WritableStream): Promise<TableSummary> {
  const hash = createHash('sha256');
  let rows = 0;
  const stream = client.query(copyTo(selectSql(t)));
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    if (sink && !sink.write(chunk)) await once(sink as NodeJS.EventEmitter, 'drain');
  }
  return { rows, sha256: hash.digest('hex') };
}

async function summarize(client: pg.Client, tables: TableInfo[]): Promise<Record<string, TableSummary>> {
  const out: Record<string, TableSummary> = {};
  for (const t of tables) out[t.name] = await copyTable(client, t);
  return out;
}

// ————— logical format —————
// gzip of lines: the magic, the manifest header (JSON), then per table `COPY <table> (<columns>)`,
// its rows in COPY text format (one line each) and `\.`; then `END` and the summaries (JSON).

async function writeLogical(
  client: pg.Client,
  tables: TableInfo[],
  header: object,
  file: string,
): Promise<Record<string, TableSummary>> {
  const gz = zlib.createGzip({ level: 6 });
  // Owner-only: a backup holds password hashes and secrets.
  const written = pipeline(gz, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  const write = async (s: string) => {
    if (!gz.write(s)) await once(gz, 'drain');
  };
  const summaries: Record<string, TableSummary> = {};
  try {
    await write(`${LOGICAL_MAGIC}\n${JSON.stringify(header)}\n`);
    for (const t of tables) {
      await write(`COPY ${t.quoted} (${t.columns})\n`);
      summaries[t.name] = await copyTable(client, t, gz);
      await write('\\.\n');
    }
    await write(`END\n${JSON.stringify(summaries)}\n`);
  } finally {
    gz.end();
    await written;
  }
  return summaries;
}

const COPY_LINE = /^COPY (public\."(?:[^"]|"")+") \(((?:"(?:[^"]|"")+"(?:, )?)+)\)$/;

async function restoreLogical(client: pg.Client, url: string, file: string): Promise<Record<string, TableSummary>> {
  const lines = readline.createInterface({
    input: fs.createReadStream(file).pipe(zlib.createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const it = lines[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await it.next();
    if (r.done) throw new Error('backup file truncated');
    return r.value;
  };
  if ((await next()) !== LOGICAL_MAGIC) throw new Error('not a CRM backup file');
  const header = JSON.parse(await next()) as Pick<BackupManifest, 'migrations'>;
  const known = new Set(migrationNames());
  const unknown = header.migrations.filter((m) => !known.has(m));
  if (unknown.length)
    throw new Error(
      `the backup comes from a newer version of the app (migrations ${unknown.join(', ')}): update the app first`,
    );

  // The schema exactly as it was when the backup was made.
  const orm = await initOrm({ databaseUrl: url, poolMax: 1 });
  try {
    const last = header.migrations.at(-1);
    if (last) await orm.getMigrator().up({ to: last });
  } finally {
    await orm.close(true);
  }

  const got: Record<string, TableSummary> = {};
  await client.query('begin');
  try {
    for (let line = await next(); line !== 'END'; line = await next()) {
      const m = COPY_LINE.exec(line);
      if (!m) throw new Error(`unexpected line in backup: ${line.slice(0, 80)}`);
      const name = `public.${m[1].slice('public.'.length + 1, -1).replace(/""/g, '"')}`;
      const hash = createHash('sha256');
      let rows = 0;
      const copy = client.query(copyFrom(`copy ${m[1]} (${m[2]}) from stdin`));
      const finished = new Promise<void>((resolve, reject) => {
        copy.on('finish', resolve);
        copy.on('error', reject);
      });
      finished.catch(() => {}); // awaited below; a server error may come before that
      for (let row = await next(); row !== '\\.'; row = await next()) {
        const data = `${row}\n`;
        hash.update(data);
        rows++;
        if (!copy.write(data)) await Promise.race([once(copy, 'drain'), finished]);
      }
      copy.end();
      await finished;
      got[name] = { rows, sha256: hash.digest('hex') };
    }
    const expected = JSON.parse(await next()) as Record<string, TableSummary>;
    for (const [name, s] of Object.entries(expected)) {
      if (got[name]?.rows !== s.rows || got[name]?.sha256 !== s.sha256)
        throw new Error(`backup file damaged: table ${name} does not match its checksum`);
    }
    await resetSequences(client);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    lines.close();
  }
  return got;
}

/** Serial/identity sequences continue after the restored ids. */
async function resetSequences(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ t: string; col: string; seq: string }>(`
    select format('%I.%I', n.nspname, c.relname) as t, quote_ident(a.attname) as col, pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) as seq
    from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where n.nspname = 'public' and c.relkind in ('r', 'p') and pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) is not null`);
  for (const r of rows) {
    await client.query(`select setval($1, coalesce((select max(${r.col}) from ${r.t}), 0) + 1, false)`, [r.seq]);
  }
}

// ————— pg_dump / pg_restore —————

async function serverInfo(client: pg.Client): Promise<{ serverVersion: string; serverMajor: number }> {
  const { rows } = await client.query<{ v: string; major: number }>(
    `select current_setting('server_version') as v, current_setting('server_version_num')::int / 10000 as major`,
  );
  return { serverVersion: rows[0].v, serverMajor: rows[0].major };
}

/** A pg_dump/pg_restore whose major version is `major`: BACKUP_PG_BIN, PATH, then the usual install folders. */
async function findPgTool(tool: 'pg_dump' | 'pg_restore', major: number, pgBin?: string): Promise<string | null> {
  const candidates = [
    ...(pgBin ? [path.join(pgBin, tool)] : []),
    tool,
    `/usr/lib/postgresql/${major}/bin/${tool}`,
    `/usr/pgsql-${major}/bin/${tool}`,
    `/opt/homebrew/opt/postgresql@${major}/bin/${tool}`,
    `/usr/local/opt/postgresql@${major}/bin/${tool}`,
  ];
  for (const bin of candidates) {
    try {
      const { stdout } = await execFileP(bin, ['--version']);
      if (Number(/\b(\d+)(?:\.\d+)?/.exec(stdout)?.[1]) === major) return bin;
    } catch {
      /* not there */
    }
  }
  return null;
}

/** Runs a libpq tool on `url` (the password through the environment, not the command line). */
function runTool(bin: string, args: string[], url: string): Promise<void> {
  const u = new URL(url);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password) };
  u.password = '';
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, `--dbname=${u.toString()}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(bin)} failed (${code}): ${stderr.trim().slice(0, 2000)}`)),
    );
  });
}

function runPgDump(bin: string, url: string, snapshot: string, file: string): Promise<void> {
  return runTool(bin, ['--format=custom', '--compress=6', `--snapshot=${snapshot}`, `--file=${file}`], url);
}

// ————— retention —————

/** Keeps the `keep` newest backups of `dir` (by the timestamp in their names); returns the removed files. */
function applyRetention(dir: string, keep: number): string[] {
  const backups = fs
    .readdirSync(dir)
    .filter((f) => FILE_RE.test(f))
    .sort()
    .reverse();
  const removed: string[] = [];
  for (const f of backups.slice(Math.max(keep, 1))) {
    fs.rmSync(path.join(dir, f), { force: true });
    fs.rmSync(path.join(dir, f.replace(/\.(dump|copy\.gz)$/, '.json')), { force: true });
    removed.push(path.join(dir, f));
  }
  return removed;
}
