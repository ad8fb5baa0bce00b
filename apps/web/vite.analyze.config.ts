// TEMPORARY (not committed): chunk composition report.
import fs from 'node:fs';
import zlib from 'node:zlib';
import base from './vite.config';
export default {
  ...base,
  build: { ...(base as any).build, outDir: process.env.OUT ?? '/tmp/delivery/dist-analyze', emptyOutDir: true },
  plugins: [
    ...(base as any).plugins,
    {
      name: 'analyze',
      generateBundle(_o: any, bundle: any) {
        const out: any[] = [];
        for (const [file, c] of Object.entries<any>(bundle)) {
          if (c.type !== 'chunk') continue;
          const mods = Object.entries<any>(c.modules).map(([id, m]) => ({ id: id.replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, 'npm:').replace(/.*\/delivery\//, ''), len: m.renderedLength })).sort((a, b) => b.len - a.len);
          out.push({ file, isEntry: c.isEntry, isDynamicEntry: c.isDynamicEntry, bytes: c.code.length, gzip: zlib.gzipSync(c.code, { level: 9 }).length, imports: c.imports, dynamicImports: c.dynamicImports, mods });
        }
        fs.writeFileSync('/tmp/delivery/analyze.json', JSON.stringify(out, null, 1));
      },
    },
  ],
};
