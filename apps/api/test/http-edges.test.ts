/**
 * Answers produced outside the procedures keep the contract shape `{ code, message, fieldErrors }`:
 * body too large (413), URI too long (414), headers too large (431), unparsable HTTP (400), an
 * unknown docs asset (404), a known path with another method (405 + Allow); HEAD is GET without
 * a body. Parser-level errors need a real socket (inject skips Node's HTTP parser).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let port: number;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  admin = await t.as('admin');
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as net.AddressInfo).port;
});
afterAll(async () => t?.close());

/** Sends raw bytes, returns status, headers and body of the answer. */
function raw(request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('utf8')));
    socket.on('error', () => {}); // the server closes after answering: a reset here is fine
    socket.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      if (!head) return reject(new Error('no answer'));
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: rest.join('\r\n\r\n') });
    });
    socket.write(request);
    setTimeout(() => socket.end(), 500);
  });
}

function expectShape(body: string, code: string) {
  const parsed = JSON.parse(body);
  expect(parsed).toEqual({ code, message: expect.any(String), fieldErrors: {} });
  return parsed as { message: string };
}

describe('errors outside the router', () => {
  it('413: a body over 1 MB, with a message that says so', async () => {
    const res = await admin.post('/clients/', { nom: 'x', notes: 'y'.repeat(1_100_000) });
    expect(res.statusCode).toBe(413);
    expect(expectShape(res.body, 'PAYLOAD_TOO_LARGE').message).toMatch(/trop volumineux/);
    const en = await admin.post('/clients/', { nom: 'x', notes: 'y'.repeat(1_100_000) }, { 'accept-language': 'en' });
    expect(expectShape(en.body, 'PAYLOAD_TOO_LARGE').message).toMatch(/too large/);
  });

  it('414: an over-long URI (routed, and beyond the parser limit)', async () => {
    const res = await admin.get(`/clients/?search=${'a'.repeat(9_000)}`);
    expect(res.statusCode).toBe(414);
    expectShape(res.body, 'URI_TOO_LONG');
    const huge = await raw(`GET /api/clients/?search=${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(huge.status).toBe(414);
    expectShape(huge.body, 'URI_TOO_LONG');
  });

  it('431: headers too large', async () => {
    const res = await raw(`GET /api/health/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expectShape(res.body, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
  });

  it('400: malformed HTTP and malformed URLs', async () => {
    const res = await raw('BLAH /api/health/ HTTP/9.9\r\nHost x\r\n\r\n');
    expect(res.status).toBe(400);
    expectShape(res.body, 'BAD_REQUEST');
    const badUrl = await raw('GET /api/clients/%E0%A4%A/ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(badUrl.status).toBe(400);
    expectShape(badUrl.body, 'BAD_REQUEST');
  });

  it('404: an unknown docs asset', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs/static/nope.js' });
    expect(res.statusCode).toBe(404);
    expectShape(res.body, 'NOT_FOUND');
  });

  it('405 with Allow: a known path asked with another method', async () => {
    for (const [method, url, allow] of [
      ['PUT', '/api/health/', 'GET, HEAD'],
      ['DELETE', '/api/auth/login/', 'POST'],
      ['POST', '/api/clients/1/', 'DELETE, GET, HEAD, PATCH, PUT'],
      ['POST', '/api/devis/1/pdf/', 'GET, HEAD'],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: { authorization: `Bearer ${admin.token}` } });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expectShape(res.body, 'METHOD_NOT_SUPPORTED');
    }
    // Unknown paths stay 404.
    expect((await t.app.inject({ method: 'PATCH', url: '/api/nothing/' })).statusCode).toBe(404);
  });

  it('HEAD answers as GET without a body', async () => {
    const health = await t.app.inject({ method: 'HEAD', url: '/api/health/' });
    expect(health.statusCode).toBe(200);
    expect(health.body).toBe('');
    const list = await t.app.inject({
      method: 'HEAD',
      url: '/api/clients/',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).toBe('');
    expect((await t.app.inject({ method: 'HEAD', url: '/api/clients/' })).statusCode).toBe(401);
  });
});
