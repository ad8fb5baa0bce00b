import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Text formats worth compressing (images, fonts and archives already are). */
export const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt|xml|map|wasm)$/i;
/** Below this, a compressed copy saves less than a TCP packet: the file is sent as is. */
const MIN_BYTES = 1024;

export interface Precompressed {
  file: string;
  bytes: number;
  br?: number;
  gz?: number;
}

/**
 * Writes `x.br` (brotli, best quality) and `x.gz` (gzip -9) beside each compressible file of `dir`,
 * each only when it is smaller than the file. The API (routes/webApp.ts, @fastify/static
 * `preCompressed`) sends the one the browser accepts: no compression work per request.
 */
export async function precompressDir(dir: string): Promise<Precompressed[]> {
  const files = (await filesOf(dir)).filter((f) => COMPRESSIBLE.test(f));
  return Promise.all(
    files.map(async (file) => {
      const content = await fs.readFile(file);
      const out: Precompressed = { file: path.relative(dir, file), bytes: content.length };
      if (content.length < MIN_BYTES) return out;
      const [br, gz] = await Promise.all([
        brotli(content, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length,
          },
        }),
        gzip(content, { level: zlib.constants.Z_BEST_COMPRESSION }),
      ]);
      if (br.length < content.length) {
        await fs.writeFile(`${file}.br`, br);
        out.br = br.length;
      }
      if (gz.length < content.length) {
        await fs.writeFile(`${file}.gz`, gz);
        out.gz = gz.length;
      }
      return out;
    }),
  );
}

async function filesOf(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? filesOf(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : [],
    ),
  );
  return nested.flat();
}

/** Vite plugin: pre-compresses the build output once it is written (index.html and public/ included). */
export function precompress(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'crm:precompress',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      const outDir = path.resolve(config.root, config.build.outDir);
      const done = await precompressDir(outDir);
      const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
      const sum = (pick: (p: Precompressed) => number | undefined) =>
        done.reduce((s, p) => s + (pick(p) ?? p.bytes), 0);
      config.logger.info(
        `precompressed ${done.filter((p) => p.br || p.gz).length} files: ${kB(sum((p) => p.bytes))} → brotli ${kB(sum((p) => p.br))}, gzip ${kB(sum((p) => p.gz))}`,
      );
    },
  };
}
