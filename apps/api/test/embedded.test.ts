import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startEmbeddedPostgres, type EmbeddedPg } from '@crm/db';
import { startTestApp } from './helpers.js';

/**
 * The newcomer's path: the embedded PostgreSQL of `pnpm start`, on its own port and data
 * directory under a temp folder (one initdb for the whole file).
 */
const API_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-embedded-'));
fs.chmodSync(tmp, 0o755); // the server runs as user postgres when we are root
const dataDir = path.join(tmp, 'pg');
let port: number;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return p;
}

const postmasterPid = (): number =>
  Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
async function waitFor(cond: () => boolean, ms = 15_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

beforeAll(async () => {
  port = await freePort();
});
afterAll(async () => {
  // Whatever a failed test left: stop the server, then remove the folder.
  if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
    const pid = postmasterPid();
    if (alive(pid)) process.kill(pid, 'SIGQUIT');
    await waitFor(() => !alive(pid), 5000);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(`${dataDir}.owner`, { force: true });
});

describe('search on the embedded PostgreSQL', () => {
  let emb: EmbeddedPg;
  beforeAll(async () => {
    emb = await startEmbeddedPostgres({ dataDir, port });
  }, 120_000);
  afterAll(async () => emb?.stop());

  /** A database on the embedded server; `legacy`: the C locale of data directories made before. */
  async function embeddedDatabase(name: string, legacy: boolean) {
    const admin = new pg.Client({ connectionString: emb.url.replace(/\/crm$/, '/postgres') });
    await admin.connect();
    await admin.query(`create database ${name} ${legacy ? "template template0 locale_provider libc locale 'C'" : ''}`);
    await admin.end();
    return {
      url: emb.url.replace(/\/crm$/, `/${name}`),
      drop: async () => {
        const c = new pg.Client({ connectionString: emb.url.replace(/\/crm$/, '/postgres') });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }

  const CLIENTS = ['Élan Menuiserie', 'DÉMO Industries', 'Garage ŒILLET', 'Ñandú Café', 'Boulangerie Martin'];
  const SEARCHES: Record<string, string[]> = {
    elan: ['Élan Menuiserie'],
    ÉLAN: ['Élan Menuiserie'],
    demo: ['DÉMO Industries'],
    Démo: ['DÉMO Industries'],
    oeillet: ['Garage ŒILLET'],
    nandu: ['Ñandú Café'],
    CAFE: ['Ñandú Café'],
    martin: ['Boulangerie Martin'],
  };

  /** Every search of SEARCHES over clients and projets, as the API answers it on `database`. */
  async function searchResults(database: { url: string; drop: () => Promise<void> }) {
    const t = await startTestApp({ database });
    try {
      await t.user('admin', 'admin');
      const admin = await t.as('admin');
      for (const nom of CLIENTS) {
        const client = (await admin.post('/clients/', { nom })).json().id;
        expect((await admin.post('/projets/', { titre: `Chantier ${nom}`, client })).statusCode).toBe(201);
      }
      const out: Record<string, { clients: string[]; projets: string[] }> = {};
      for (const q of Object.keys(SEARCHES)) {
        const clients = (await admin.get(`/clients/?search=${encodeURIComponent(q)}`))
          .json()
          .results.map((c: { nom: string }) => c.nom)
          .sort();
        const projets = (await admin.get(`/projets/?search=${encodeURIComponent(q)}`))
          .json()
          .results.map((p: { titre: string }) => p.titre)
          .sort();
        out[q] = { clients, projets };
      }
      return out;
    } finally {
      await t.close();
    }
  }

  const expected = Object.fromEntries(
    Object.entries(SEARCHES).map(([q, noms]) => [q, { clients: noms, projets: noms.map((n) => `Chantier ${n}`) }]),
  );

  it('new data directories use the built-in C.UTF-8 locale (Unicode lower() without OS locales or ICU)', async () => {
    const c = new pg.Client({ connectionString: emb.url });
    await c.connect();
    const { rows } = await c.query(
      `select datlocprovider, datlocale, lower('ÉLAN Œ') as l from pg_database where datname = 'crm'`,
    );
    await c.end();
    expect(rows[0]).toEqual({ datlocprovider: 'b', datlocale: 'C.UTF-8', l: 'élan œ' });
  });

  it('accent- and case-insensitive search answers the same on the embedded server (new and C-locale databases) and the CI server', async () => {
    const [ci, embNew, embLegacy] = [
      await searchResults(await createTestDatabase()),
      await searchResults(await embeddedDatabase('crm_search_new', false)),
      await searchResults(await embeddedDatabase('crm_search_legacy', true)),
    ];
    expect(embLegacy).toEqual(expected);
    expect(embNew).toEqual(expected);
    expect(ci).toEqual(expected);
  }, 120_000);
});

describe('pnpm start and its embedded PostgreSQL', () => {
  const crashPreload = path.join(tmp, 'crash-on-usr2.mjs');

  /** `src/main.ts` as `pnpm start` runs it, on the temp data directory; resolves once it serves. */
  async function startMain(
    extraNodeOptions = '',
    viaPnpm = false,
    nodeArgs = ['src/main.ts'],
  ): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(port),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      BACKUP_SCHEDULE: 'off',
    };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${extraNodeOptions}`.trim();
    const child = viaPnpm
      ? spawn('pnpm', ['--filter', '@crm/api', 'start'], { cwd: API_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, ['--import', 'tsx', ...nodeArgs], {
          cwd: API_DIR,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const ready = await Promise.race([waitFor(() => out.includes('CRM prêt'), 90_000), exited.then(() => false)]);
    if (!ready) throw new Error(`main did not start:\n${out}`);
    return { child, output: () => out, exited };
  }

  it('SIGTERM to `pnpm … start` stops the API and its PostgreSQL (the script execs node, so the signal reaches it)', async () => {
    const { child, exited } = await startMain('', true);
    const pid = postmasterPid();
    const api = Number(fs.readFileSync(`${dataDir}.owner`, 'utf8'));
    expect(alive(pid)).toBe(true);
    child.kill('SIGTERM');
    await exited;
    expect(await waitFor(() => !alive(api))).toBe(true);
    expect(alive(pid)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  }, 120_000);

  it('a crash of the API stops its PostgreSQL too', async () => {
    fs.writeFileSync(
      crashPreload,
      `process.on('SIGUSR2', () => setImmediate(() => { throw new Error('simulated crash'); }));\n`,
    );
    const { child, exited, output } = await startMain(`--import ${crashPreload}`);
    const pid = postmasterPid();
    child.kill('SIGUSR2');
    expect(await exited).toBe(1);
    expect(output()).toContain('simulated crash');
    expect(alive(pid)).toBe(false);
  }, 120_000);

  it('a server left running by a killed run is detected, shut down and started again cleanly', async () => {
    // A process that starts the embedded server as `pnpm start` does (without the whole API, for speed), then is killed.
    const script = `const { startEmbeddedPostgres } = await import('@crm/db');
      await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} });
      console.log('CRM prêt'); setInterval(() => {}, 1e6);`;
    const { child, exited } = await startMain('', false, ['--input-type=module', '-e', script]);
    const stale = postmasterPid();
    child.kill('SIGKILL');
    await exited;
    expect(alive(stale)).toBe(true); // the orphan still holds the port and the data directory

    const emb = await startEmbeddedPostgres({ dataDir, port });
    try {
      expect(alive(stale)).toBe(false);
      const fresh = postmasterPid();
      expect(fresh).not.toBe(stale);
      expect(fs.readFileSync(`${dataDir}.owner`, 'utf8').trim()).toBe(String(process.pid));
      const c = new pg.Client({ connectionString: emb.url });
      await c.connect();
      try {
        expect((await c.query(`select current_database() as db`)).rows[0].db).toBe('crm');
      } finally {
        await c.end();
      }
    } finally {
      await emb.stop();
    }
    expect(fs.existsSync(`${dataDir}.owner`)).toBe(false);
  }, 120_000);
});
