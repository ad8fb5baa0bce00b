import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress, postWebhook } from '../src/lib/webhookHttp.js';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

/**
 * Webhooks against a real local HTTP receiver: Standard Webhooks signatures checked with the
 * `standardwebhooks` library, payload = REST detail, delivery log and replay, at-least-once and in
 * order per record across a receiver outage (killed mid-stream), auto-disable, SSRF refusals, and
 * nothing emitted by a change that rolls back.
 */
let t: TestApp;
let admin: RestClient;

interface Received {
  id: string;
  type: string;
  body: any;
  verified: boolean;
}

/** A receiver that can be stopped (connections destroyed) and started again on the same port. */
class Receiver {
  received: Received[] = [];
  port = 0;
  status = 200;
  secret = '';
  private server?: http.Server;
  private sockets = new Set<Socket>();

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        let verified = false;
        try {
          new StandardWebhook(this.secret).verify(body, req.headers as Record<string, string>);
          verified = true;
        } catch {
          /* recorded as unverified */
        }
        const parsed = JSON.parse(body);
        this.received.push({ id: String(req.headers['webhook-id']), type: parsed.type, body: parsed, verified });
        res.writeHead(this.status, this.status === 302 ? { location: 'http://127.0.0.1:1/' } : {}).end();
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  get url() {
    return `http://127.0.0.1:${this.port}/crochet`;
  }
}

const receiver = new Receiver();

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  t = await startTestApp({
    env: { WEBHOOKS_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_SECONDS: '0.3', JOBS_POLL_SECONDS: '0.5' },
  });
  await t.user('root', 'admin');
  await t.user('paul', 'commercial');
  admin = await t.as('root');
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  await t?.close();
});

let hookId: number;

describe('webhooks', () => {
  it('delivers signed events whose data is the REST detail', async () => {
    const created = await admin.post('/webhooks/', {
      url: receiver.url,
      evenements: [
        'client.created',
        'client.updated',
        'client.deleted',
        'opportunite.created',
        'opportunite.etape_changed',
      ],
      description: 'Récepteur de test',
    });
    expect(created.statusCode, created.body).toBe(201);
    const hook = created.json();
    hookId = hook.id;
    expect(hook.secret).toMatch(/^whsec_/);
    receiver.secret = hook.secret;

    const client = (await admin.post('/clients/', { nom: 'Lefèvre & Fils', email: 'contact@lefevre.fr' })).json();
    await until(() => receiver.received.some((r) => r.type === 'client.created'));
    const msg = receiver.received.find((r) => r.type === 'client.created')!;
    expect(msg.verified).toBe(true);
    expect(msg.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(msg.body.data).toEqual((await admin.get(`/clients/${client.id}/`)).json());

    const opp = (await admin.post('/opportunites/', { nom: 'Four', client: client.id, montant: 1000 })).json();
    const moved = await admin.post(`/opportunites/${opp.id}/avancer-etape/`);
    expect(moved.statusCode).toBe(200);
    await until(() => receiver.received.some((r) => r.type === 'opportunite.etape_changed'));
    const changed = receiver.received.find((r) => r.type === 'opportunite.etape_changed')!;
    expect(changed.body.previous).toEqual({ etape: 'prospect' });
    expect(changed.body.data.etape).toBe('qualification');
    // Not subscribed: opportunite.updated was not sent.
    expect(receiver.received.some((r) => r.type === 'opportunite.updated')).toBe(false);

    // The receiver answered; the outcome is recorded right after.
    const latest = async () => (await admin.get(`/webhooks/${hookId}/livraisons/`)).json().results[0];
    await until(async () => (await latest()).statut !== 'en_cours');
    expect(await latest()).toMatchObject({ statut: 'livre', codeHttp: 200, tentatives: 1 });
  });

  it('emits nothing for a change that is refused or rolled back, and is admin only', async () => {
    const before = (await t.sql(`select count(*)::int as n from webhook_livraisons`))[0].n;
    expect((await admin.post('/clients/', { nom: '' })).statusCode).toBe(400);
    expect((await admin.patch('/clients/999999/', { nom: 'x' })).statusCode).toBe(404);
    expect((await t.sql(`select count(*)::int as n from webhook_livraisons`))[0].n).toBe(before);
    const paul = await t.as('paul');
    expect((await paul.get('/webhooks/')).statusCode).toBe(403);
    expect(
      (await paul.post('/webhooks/', { url: 'https://exemple.fr/x', evenements: ['client.created'] })).statusCode,
    ).toBe(403);
  });

  it('keeps every event and its order per record across a receiver killed mid-stream', async () => {
    const ids = await Promise.all(
      ['A', 'B', 'C'].map(async (n) => (await admin.post('/clients/', { nom: `Ordre ${n}` })).json().id as number),
    );
    receiver.received = [];
    const writes = (async () => {
      for (let i = 1; i <= 8; i++)
        for (const id of ids) expect((await admin.patch(`/clients/${id}/`, { notes: `v${i}` })).statusCode).toBe(200);
    })();
    // Kill the receiver while events are flowing, keep writing, then bring it back.
    await until(() => receiver.received.length >= 3);
    await receiver.stop();
    await writes;
    await new Promise((r) => setTimeout(r, 800));
    const failed = await t.sql(
      `select count(*)::int as n from webhook_livraisons where webhook_id = ? and derniere_erreur <> ''`,
      [hookId],
    );
    expect(failed[0].n).toBeGreaterThan(0);
    await receiver.start();
    await until(
      () => ids.every((id) => receiver.received.some((r) => r.body.data.id === id && r.body.data.notes === 'v8')),
      30_000,
    );
    for (const id of ids) {
      // At least once: duplicates share a webhook-id; first receipts come in the order of the changes.
      const firsts: string[] = [];
      const seen = new Set<string>();
      for (const r of receiver.received.filter((m) => m.body.data.id === id && m.type === 'client.updated')) {
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        firsts.push(r.body.data.notes);
      }
      expect(firsts).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8']);
    }
    expect(receiver.received.every((r) => r.verified)).toBe(true);
  });

  it('replays a delivery with the same webhook-id, follows no redirect, and disables itself after repeated failures', async () => {
    const log = (await admin.get(`/webhooks/${hookId}/livraisons/?statut=livre`)).json();
    const target = log.results[0];
    receiver.received = [];
    const replay = await admin.post(`/webhooks/${hookId}/livraisons/${target.id}/rejouer/`);
    expect(replay.statusCode, replay.body).toBe(201);
    await until(() => receiver.received.some((r) => r.id === target.messageId));

    receiver.status = 302;
    t.deps.config.webhooks.disableAfterFailures = 3;
    const client = (await admin.post('/clients/', { nom: 'Redirigé' })).json();
    await until(async () => !(await admin.get(`/webhooks/${hookId}/`)).json().actif);
    const hook = (await admin.get(`/webhooks/${hookId}/`)).json();
    expect(hook).toMatchObject({ actif: false, echecsConsecutifs: 3, desactiveLe: expect.any(String) });
    const [pending] = (await admin.get(`/webhooks/${hookId}/livraisons/?statut=en_attente`)).json().results;
    expect(pending).toMatchObject({ codeHttp: 302, derniereErreur: 'HTTP 302', evenement: 'client.created' });
    expect(await t.sql(`select action from audit_log where action = 'webhook.desactive'`)).toHaveLength(1);
    // The admins are told in the app.
    const notices = (await admin.get('/notifications/?nonLues=true'))
      .json()
      .results.filter((n: any) => n.type === 'webhook_desactive');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ lien: '/integrations', message: expect.stringContaining(receiver.url) });
    // Re-enabled: the waiting message goes out.
    receiver.status = 200;
    expect((await admin.patch(`/webhooks/${hookId}/`, { actif: true })).json()).toMatchObject({
      actif: true,
      echecsConsecutifs: 0,
    });
    await until(() =>
      receiver.received.some((r) => r.type === 'client.created' && r.body.data.id === client.id && r.verified),
    );
  });

  it('refuses non-https and private targets unless allowed in development, also at delivery time', async () => {
    const strict = await startTestApp({ env: { NODE_ENV: 'development' } });
    try {
      await strict.user('root', 'admin');
      const root = await strict.as('root');
      for (const url of [
        'http://exemple.fr/x',
        'https://127.0.0.1/x',
        'https://10.1.2.3/x',
        'https://localhost/x',
        'https://[::1]/x',
        'https://169.254.169.254/latest',
      ]) {
        const res = await root.post('/webhooks/', { url, evenements: ['client.created'] });
        expect(res.statusCode, url).toBe(400);
        expect(Object.keys(res.json().fieldErrors)).toEqual(['url']);
      }
      expect(
        (await root.post('/webhooks/', { url: 'https://exemple.fr/crochet', evenements: ['client.created'] }))
          .statusCode,
      ).toBe(201);
    } finally {
      await strict.close();
    }
    expect(
      [
        '127.0.0.1',
        '10.0.0.8',
        '172.20.1.1',
        '192.168.1.1',
        '169.254.169.254',
        '::1',
        'fd00::1',
        'fe80::1',
        '::ffff:127.0.0.1',
        '100.64.0.1',
      ].every(isPrivateAddress),
    ).toBe(true);
    expect(['93.184.216.34', '2606:4700::1111', '172.32.0.1'].some(isPrivateAddress)).toBe(false);
    // A hostname resolving to loopback is refused when the connection is made (DNS-rebinding safe).
    await expect(
      postWebhook(`http://localhost:${receiver.port}/x`, '{}', {}, { allowPrivate: false, timeoutMs: 2000 }),
    ).rejects.toThrow(/privée/);
  });
});
