import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let manager: RestClient;
let clientId: number;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('manager', 'manager');
  manager = await t.as('manager');
  clientId = (await manager.post('/clients/', { nom: 'Coercion SA' })).json().id;
});
afterAll(async () => t?.close());

describe('REST adapter: query strings are converted, bodies are not', () => {
  it('converts numeric query parameters and path ids', async () => {
    const res = await manager.get(`/opportunites/?client=${clientId}&montantMin=0`);
    expect(res.statusCode).toBe(200);
    expect((await manager.get(`/clients/${clientId}/`)).statusCode).toBe(200);
  });

  it('refuses strings and booleans where a JSON body needs numbers, even after query conversions ran', async () => {
    await manager.get(`/opportunites/?montantMin=10&client=${clientId}`);
    const empty = await manager.post('/opportunites/', { nom: 'Vide', client: clientId, montant: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().fieldErrors.montant).toBeDefined();
    const bool = await manager.post('/opportunites/', { nom: 'Bool', client: clientId, probabilite: true });
    expect(bool.statusCode).toBe(400);
    expect(bool.json().fieldErrors.probabilite).toBeDefined();
    const strId = await manager.post('/opportunites/', { nom: 'Str', client: String(clientId) });
    expect(strId.statusCode).toBe(400);
    expect(strId.json().fieldErrors.client).toBeDefined();
  });

  it('tRPC inputs are not converted either', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/trpc/opportunites.create',
      headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ nom: 'tRPC', client: clientId, montant: '12' }),
    });
    expect(res.statusCode).toBe(400);
  });

  it('a non-numeric or out-of-range query or path id is a 400 naming the field, never a 500', async () => {
    const abc = await manager.get('/opportunites/?client=abc');
    expect(abc.statusCode).toBe(400);
    expect(abc.json().fieldErrors.client).toBeDefined();
    const huge = await manager.get('/clients/99999999999/');
    expect(huge.statusCode).toBe(400);
    expect(huge.json().fieldErrors.id).toBeDefined();
    // An empty filter value is no filter (as in DRF).
    const blank = await manager.get('/opportunites/?montantMin=');
    expect(blank.statusCode).toBe(200);
  });
});

describe('REST adapter: the request signal', () => {
  it('is not aborted when the answer was sent (an abort builds a DOMException: CPU on every request)', async () => {
    const aborts: unknown[] = [];
    const real = AbortController.prototype.abort;
    AbortController.prototype.abort = function (this: AbortController, reason?: unknown) {
      aborts.push(reason);
      return real.call(this, reason);
    };
    // Over a real socket (the injected responses of light-my-request never look finished).
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/api/clients/`, {
          headers: { authorization: `Bearer ${manager.token}` },
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      // The answer's 'close' event runs after the response: give it its turn.
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      AbortController.prototype.abort = real;
    }
    expect(aborts).toEqual([]);
  });
});
