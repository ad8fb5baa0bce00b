/**
 * `pnpm --filter @crm/api bench:envoyer`: how fast « Envoyer au client » answers while the SMTP
 * server hangs (accepts connections, never greets), and whether other requests are slowed.
 * The mail goes through the outbox, so neither should wait for SMTP. Prints p50/p99/max.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestApp } from '../test/helpers.js';

const N = Number(process.env.ENVOYER_SAMPLES ?? 40);
const sockets = new Set<net.Socket>();
const hanging = net.createServer((s) => sockets.add(s)); // never says 220
await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
const smtpPort = (hanging.address() as AddressInfo).port;

const t = await startTestApp({
  env: {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    SMTP_TIMEOUT_SECONDS: '30',
    RATE_LIMIT_USER_PER_MINUTE: '100000',
  },
});
try {
  await t.user('bench', 'admin');
  const admin = await t.as('bench');
  const client = (await admin.post('/clients/', { nom: 'Client mesuré', email: 'client@example.fr' })).json();
  const opp = (await admin.post('/opportunites/', { nom: 'Affaire', client: client.id })).json();
  const ids: number[] = [];
  for (let i = 0; i < N * 2; i++)
    ids.push((await admin.post('/devis/', { opportunite: opp.id, montant: 100 + i })).json().id);

  const pct = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))].toFixed(1);
  const timed = async (fn: () => Promise<{ statusCode: number }>) => {
    const t0 = performance.now();
    const res = await fn();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
    return performance.now() - t0;
  };
  const baseline: number[] = [];
  for (let i = 0; i < N; i++) baseline.push(await timed(() => admin.get('/clients/')));
  const sequential: number[] = [];
  for (let i = 0; i < N; i++) sequential.push(await timed(() => admin.post(`/devis/${ids[i]}/envoyer/`)));
  // Ten sends at once while other pages are read.
  const parallel = await Promise.all(
    ids.slice(N, N + 10).map((id) => timed(() => admin.post(`/devis/${id}/envoyer/`))),
  );
  const during: number[] = [];
  for (let i = 0; i < N; i++) during.push(await timed(() => admin.get('/clients/')));
  const pending = await t.sql(`select count(*)::int as n from courriels where statut = 'en_attente'`);
  console.log(`SMTP hanging on port ${smtpPort}; ${sockets.size} SMTP connections held open by the worker`);
  console.log(`GET /clients/ before      p50 ${pct(baseline, 50)} ms  p99 ${pct(baseline, 99)} ms`);
  console.log(
    `POST envoyer, one by one  p50 ${pct(sequential, 50)} ms  p99 ${pct(sequential, 99)} ms  max ${Math.max(...sequential).toFixed(1)} ms  (${N} sends)`,
  );
  console.log(`POST envoyer, 10 at once  p50 ${pct(parallel, 50)} ms  max ${Math.max(...parallel).toFixed(1)} ms`);
  console.log(`GET /clients/ after       p50 ${pct(during, 50)} ms  p99 ${pct(during, 99)} ms`);
  console.log(`mails waiting for SMTP: ${pending[0].n}`);
} finally {
  for (const s of sockets) s.destroy();
  hanging.close();
  await t.close();
}
