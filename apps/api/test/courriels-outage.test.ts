/**
 * The outbox under a broken mail server: a TCP proxy sits between the worker and a real SMTP
 * server. « blackhole » = a server that accepts connections and never answers (hanging SMTP).
 * - envoyer keeps answering 200 and other requests keep working while every delivery slot hangs
 *   (pool of 2 connections: a worker holding one while talking SMTP would starve them);
 * - once SMTP is back, each mail is delivered exactly once;
 * - a worker process killed in the middle of an attempt: another worker delivers the mail, once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';
import { TcpProxy } from './tcpProxy.js';

let t: TestApp;
let smtp: SMTPServer;
let proxy: TcpProxy;
let alice: RestClient;
let opportunite: number;
const received: ParsedMail[] = [];
const children: ChildProcess[] = [];
const ENV = {
  // Short, so that hanging attempts fail fast; not 1 s: in a CI run beside the other suites this
  // process (API, SMTP server and test in one event loop) once went over 1 s mid-transmission, and
  // a mail whose transmission broke is rightly not sent again (`echec`), which failed the test.
  SMTP_TIMEOUT_SECONDS: '3',
  MAIL_RETRY_SECONDS: '1',
  JOBS_POLL_SECONDS: '0.5',
  JOBS_MAINTENANCE_SECONDS: '1',
};

async function until<T>(
  what: string,
  check: () => Promise<T | false | undefined | null>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function newDevis(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await alice.post('/devis/', { opportunite, montant: 100 + i })).json().id);
  return ids;
}

const courriels = (devisIds: number[]) =>
  t.sql(
    `select devis_id, statut, tentatives, envoi_phase, message_id, derniere_erreur, prochaine_tentative from courriels where devis_id in (${devisIds.map(() => '?')}) order by id`,
    devisIds,
  );

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      simpleParser(stream).then((m) => {
        received.push(m);
        cb();
      }, cb);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  proxy = new TcpProxy({ host: '127.0.0.1', port: (smtp.server.address() as AddressInfo).port });
  await proxy.start('blackhole');
  t = await startTestApp({ env: { ...ENV, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(proxy.port) }, poolMax: 2 });
  await t.user('alice', 'commercial');
  alice = await t.as('alice');
  const client = (await alice.post('/clients/', { nom: 'Client Patient', email: 'patient@example.fr' })).json().id;
  opportunite = (await alice.post('/opportunites/', { nom: 'Attente', client })).json().id;
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await t?.close();
  await proxy?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

describe('outbox with a hanging SMTP server', () => {
  it('envoyer answers 200 and other requests work while deliveries hang; once SMTP is back each mail arrives once', async () => {
    const ids = await newDevis(5);
    const t0 = performance.now();
    const sent = await Promise.all(ids.map((id) => alice.post(`/devis/${id}/envoyer/`)));
    // Reported, not asserted (speed targets belong to the bench): 5 parallel sends, SMTP unreachable.
    console.log(`5 parallel envoyer with a hanging SMTP server: ${(performance.now() - t0).toFixed(0)} ms in all`);
    expect(
      sent.map((r) => r.statusCode),
      sent.map((r) => r.body).join(),
    ).toEqual(ids.map(() => 200));
    expect(sent.map((r) => r.json().courriel.statut)).toEqual(ids.map(() => 'en_attente'));

    // Both delivery slots are stuck in an SMTP dialogue that never answers...
    await until(
      'two attempts hanging',
      async () => (await courriels(ids)).filter((c) => c.envoi_phase === 'connexion').length === 2,
    );
    // ...yet requests (2 database connections in all) are served, including more sends.
    const t1 = performance.now();
    const others = await Promise.all([
      ...Array.from({ length: 8 }, () => alice.get('/devis/?pageSize=5')),
      alice.get(`/devis/${ids[0]}/`),
      alice.post(`/devis/${ids[0]}/envoyer/`),
    ]);
    expect(others.map((r) => r.statusCode)).toEqual(others.map(() => 200));
    console.log(
      `10 requests while both delivery slots hang on SMTP (pool of 2 connections): ${(performance.now() - t1).toFixed(0)} ms in all`,
    );
    expect(received).toHaveLength(0);

    await proxy.stop();
    await proxy.start('forward');
    // Retries back off (1, 2, 4… s): on a loaded machine the hang may have lasted several attempts
    // (a CI run beside the other suites passed 60 s here once: the rows are shown if it ever fails).
    let last: unknown[] = [];
    const rows = await until(
      'all delivered',
      async () => {
        const r = await courriels(ids);
        last = r;
        return r.length === 6 && r.every((c) => c.statut === 'envoye') && r;
      },
      120_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(last)}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(received).toHaveLength(6);
    expect(new Set(received.map((m) => m.messageId)).size).toBe(6);
    expect(received.map((m) => m.messageId).sort()).toEqual(rows.map((c: any) => c.message_id).sort());
    expect(rows.every((c: any) => c.tentatives >= 1)).toBe(true);
  }, 180_000);

  it('a worker killed in the middle of an attempt: another worker delivers the mail, exactly once', async () => {
    await t.deps.jobs.stop(); // this API now only enqueues
    received.length = 0;
    await proxy.stop();
    await proxy.start('blackhole');
    const [id] = await newDevis(1);
    expect((await alice.post(`/devis/${id}/envoyer/`)).statusCode).toBe(200);

    // A separate worker process (`pnpm worker`), hanging on the SMTP greeting, then killed.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-worker-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: {
        ...process.env,
        ...ENV,
        SMTP_TIMEOUT_SECONDS: '60',
        DATABASE_URL: t.dbUrl,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(proxy.port),
        NODE_ENV: 'test',
        JWT_SECRET: 'x'.repeat(40),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    children.push(child);
    await until(
      'the worker process is mid-attempt',
      async () => (await courriels([id]))[0]?.envoi_phase === 'connexion',
      60_000,
    );
    console.log('worker process mid-attempt, killing it');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    await proxy.stop();
    await proxy.start('forward');
    await t.deps.jobs.start(); // another worker: picks the job up once pg-boss expires the dead one's
    // The dead worker's lease (3 × SMTP_TIMEOUT_SECONDS + 2 s) runs out first.
    const [row] = await until(
      'delivered after the kill',
      async () => {
        const r = await courriels([id]);
        return r[0].statut === 'envoye' && r;
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(received).toHaveLength(1);
    expect(received[0].messageId).toBe(row.message_id);
    expect(row.tentatives).toBe(2);
  }, 180_000);
});
