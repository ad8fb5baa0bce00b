import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The built SPA (apps/web/dist) at `/`.
 *
 * - Pre-compressed: the web build writes `x.br` and `x.gz` beside each compressible file; the
 *   `Accept-Encoding` of the request picks one (brotli, then gzip, else the file itself), with
 *   `Vary: Accept-Encoding` so that shared caches keep one copy per encoding.
 * - Cached: Vite's content-hashed files under `assets/` never change under the same name, so a year
 *   and `immutable`; everything else (index.html, which names the current hashes, and the SPA
 *   fallback) is `no-cache`: revalidated (ETag) on each load, so a deploy is seen at once.
 * - Client-side routes (`/clients/12`) get index.html; a missing file under `/assets/` (a chunk of
 *   a previous deploy) is a real 404, so that the page's « Réessayer » sees a failed load rather
 *   than HTML parsed as JavaScript.
 */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** `assets/index-B2x9Qd1a.js`: Vite's `[name]-[hash].[ext]` (hash: 8 base64url characters). */
const HASHED_ASSET = /^assets\/(?:.+\/)?[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/;
const NOT_SPA = /^\/(?:api|trpc|assets)(?:[/?]|$)/;

export async function registerWebApp(
  app: FastifyInstance,
  webDist: string,
  notFound: (request: FastifyRequest, reply: FastifyReply) => unknown,
): Promise<void> {
  const root = path.resolve(webDist);
  await app.register(fastifyStatic, {
    root,
    // One route per file present at start-up (no catch-all): unknown paths reach the handler below.
    wildcard: false,
    preCompressed: true,
    // The compressed copies are only ever served as an encoding of their original, never by name.
    globIgnore: ['**/*.br', '**/*.gz'],
    // Set below, per file (send's own would override it).
    cacheControl: false,
    setHeaders(res, filePath) {
      // `filePath` is the file actually sent: `index-B2x9Qd1a.js.br` stands for `index-B2x9Qd1a.js`.
      const name = path
        .relative(root, filePath)
        .split(path.sep)
        .join('/')
        .replace(/\.(?:br|gz)$/, '');
      res.setHeader('cache-control', HASHED_ASSET.test(name) ? IMMUTABLE : 'no-cache');
      res.setHeader('vary', 'Accept-Encoding');
    },
  });
  app.setNotFoundHandler((request, reply) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && !NOT_SPA.test(request.url))
      return reply.sendFile('index.html');
    return notFound(request, reply);
  });
}
