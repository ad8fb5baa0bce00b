import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { createTestDatabase } from '@crm/db';
import type { App } from '../src/app.js';
import { createApp } from './helpers.js';

/**
 * The built SPA as the API serves it, over real HTTP: the pre-compressed copy the request accepts
 * (brotli, gzip or none), `Vary: Accept-Encoding`, a year of `immutable` cache on hashed assets and
 * `no-cache` on index.html and the client-side routes that answer with it.
 */

const JS_NAME = 'assets/index-B2x9Qd1a.js';
const CSS_NAME = 'assets/index-Cq3_Zk-8.css';
// Compressible like real code, big enough for the compressed copies to matter.
const JS = Array.from({ length: 400 }, (_, i) => `export function f${i}(a){return a*${i}+"Chargement… ${i}";}\n`).join(
  '',
);
const CSS = Array.from(
  { length: 200 },
  (_, i) => `.c${i}{color:#${(i * 4099).toString(16).padStart(6, '0').slice(0, 6)};margin:${i}px}\n`,
).join('');
const INDEX = `<!doctype html><html lang="fr"><head><script type="module" src="/${JS_NAME}"></script><link rel="stylesheet" href="/${CSS_NAME}"></head><body><div id="root"></div>${' '.repeat(2000)}</body></html>`;
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a0ee0000000049454e44ae426082',
  'hex',
);
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let app: App;
let drop: () => Promise<void>;
let webDist: string;
let port: number;

function get(urlPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The body as the browser sees it, after undoing the announced encoding. */
function decoded(res: Answer): string {
  const enc = res.headers['content-encoding'];
  if (enc === 'br') return zlib.brotliDecompressSync(res.body).toString('utf8');
  if (enc === 'gzip') return zlib.gunzipSync(res.body).toString('utf8');
  expect(enc).toBeUndefined();
  return res.body.toString('utf8');
}

beforeAll(async () => {
  webDist = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-web-static-'));
  fs.mkdirSync(path.join(webDist, 'assets'));
  const write = (name: string, content: string | Buffer, compress: boolean) => {
    fs.writeFileSync(path.join(webDist, name), content);
    if (!compress) return;
    // What the web build writes beside each compressible file.
    fs.writeFileSync(path.join(webDist, `${name}.br`), zlib.brotliCompressSync(content));
    fs.writeFileSync(path.join(webDist, `${name}.gz`), zlib.gzipSync(content, { level: 9 }));
  };
  write('index.html', INDEX, true);
  write(JS_NAME, JS, true);
  write(CSS_NAME, CSS, true);
  write('assets/logo-D4kq9vXe.png', PNG, false); // already compressed: no copies
  write('favicon.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>', false); // public/, not hashed
  const db = await createTestDatabase();
  drop = db.drop;
  app = await createApp({
    databaseUrl: db.url,
    env: { NODE_ENV: 'test', JWT_SECRET: 'test-secret-that-is-long-enough-0123456789' },
    config: { secureCookies: false },
    webDist,
  });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await app?.close();
  await drop?.();
  if (webDist) fs.rmSync(webDist, { recursive: true, force: true });
});

describe('hashed assets: pre-compressed by Accept-Encoding, cached for a year', () => {
  it.each([
    ['br, gzip, deflate', 'br'],
    ['gzip, deflate, br, zstd', 'br'], // what chromium sends
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['deflate', undefined],
    ['identity', undefined],
    ['', undefined],
  ])('Accept-Encoding « %s » → %s', async (acceptEncoding, encoding) => {
    const res = await get(`/${JS_NAME}`, acceptEncoding ? { 'accept-encoding': acceptEncoding } : {});
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(encoding);
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript; charset=utf-8$/);
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(decoded(res)).toBe(JS);
    // The point of it: a brotli or gzip answer is a fraction of the file.
    if (encoding) expect(res.body.length).toBeLessThan(JS.length / 4);
  });

  it('a stylesheet too, with its own type', async () => {
    const res = await get(`/${CSS_NAME}`, { 'accept-encoding': 'gzip, br' });
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(decoded(res)).toBe(CSS);
  });

  it('a file with no compressed copy (an image) is sent as is whatever the request accepts', async () => {
    const res = await get('/assets/logo-D4kq9vXe.png', { 'accept-encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(res.body.equals(PNG)).toBe(true);
  });

  it('the compressed copies are not files of the site', async () => {
    for (const name of [`/${JS_NAME}.br`, `/${JS_NAME}.gz`]) {
      const res = await get(name, { 'accept-encoding': 'br' });
      expect(res.status, name).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/json/);
    }
    // Outside assets/ an unknown path is a client-side route: the SPA, not the brotli bytes.
    const res = await get('/index.html.br');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(decoded(res)).toBe(INDEX);
  });

  it('a chunk of a previous deploy is a 404 in the contract shape, not index.html', async () => {
    const res = await get('/assets/index-ZZZZZZZZ.js', { 'accept-encoding': 'br', 'accept-language': 'fr' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = JSON.parse(decoded(res));
    expect(body).toMatchObject({ code: 'NOT_FOUND', fieldErrors: {} });
    expect(body.message).toMatch(/introuvable/i);
  });

  it('HEAD answers the same headers without a body', async () => {
    const res = await get(`/${JS_NAME}`, { 'accept-encoding': 'br' }, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(res.body.length).toBe(0);
  });
});

describe('index.html and the client-side routes: no-cache, revalidated, compressed too', () => {
  it.each(['/', '/index.html', '/clients/12', '/opportunites/pipeline?etape=prospect', '/login'])('%s', async (url) => {
    for (const [acceptEncoding, encoding] of [
      ['br, gzip', 'br'],
      ['gzip', 'gzip'],
      ['', undefined],
    ] as const) {
      const res = await get(url, acceptEncoding ? { 'accept-encoding': acceptEncoding } : {});
      expect(res.status, `${url} ${acceptEncoding}`).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers.vary).toMatch(/accept-encoding/i);
      expect(res.headers['x-content-type-options']).toBe('nosniff'); // the security headers stay
      expect(decoded(res)).toBe(INDEX);
    }
  });

  it('a second load revalidates index.html with its ETag and gets a 304', async () => {
    const first = await get('/', { 'accept-encoding': 'br' });
    expect(first.headers.etag).toBeDefined();
    const again = await get('/', { 'accept-encoding': 'br', 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('files outside assets/ (public/) are not hashed: no-cache as well', async () => {
    const res = await get('/favicon.svg', { 'accept-encoding': 'br' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('API paths are still the API: JSON 404, no-store', async () => {
    const res = await get('/api/nope/', { 'accept-encoding': 'br' });
    expect(res.status).toBe(404);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/application\/json/);
  });
});
