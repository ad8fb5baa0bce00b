import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { precompress } from './vite-plugins/precompress.ts';

export default defineConfig({
  plugins: [react(), precompress()],
  server: {
    port: 5173,
    proxy: { '/api': 'http://127.0.0.1:3000', '/trpc': 'http://127.0.0.1:3000' },
  },
  // Chunks: one per page (routes.tsx) plus what pages share; Vite's default 500 kB warning stays on.
  // No modulepreload polyfill: every browser we support has <link rel=modulepreload> (one less script in the first load).
  build: { outDir: 'dist', sourcemap: false, modulePreload: { polyfill: false } },
  // Unit tests: two files at once (vitest's default is one worker on 2 cores), each in its own happy-dom.
  test: { environment: 'happy-dom', include: ['src/**/*.test.{ts,tsx}'], maxWorkers: 2 },
} as any);
