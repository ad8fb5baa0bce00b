import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as labels from './labels.js';
import * as all from './index.js';

/** Every module `file` loads, following relative imports; returns the packages it names. */
function packagesImportedBy(file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  // `import … from '…'`, `export … from '…'`, `import '…'` (not `import type`: erased at build time).
  for (const m of source.matchAll(
    /^\s*(?:import(?!\s+type\b)[^'"]*?from\s*|export\s[^'"]*?from\s*|import\s*)['"]([^'"]+)['"]/gm,
  )) {
    const spec = m[1];
    if (spec.startsWith('.')) {
      for (const p of packagesImportedBy(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), seen))
        packages.add(p);
    } else packages.add(spec);
  }
  return packages;
}

describe('@crm/shared/labels: the part of shared that the first page load may import', () => {
  it('loads no package at all (no zod, no libphonenumber)', () => {
    expect([...packagesImportedBy(path.join(import.meta.dirname, 'labels.ts'))]).toEqual([]);
  });

  it('the scan does see them where they are', () => {
    expect([...packagesImportedBy(path.join(import.meta.dirname, 'index.ts'))].sort()).toEqual([
      'libphonenumber-js/min',
      'zod',
    ]);
  });

  it('exports the same values as the package root', () => {
    const exported: Record<string, unknown> = { ...all };
    for (const [name, value] of Object.entries(labels)) expect(exported[name], name).toBe(value);
    expect(labels.LABELS.etape.negociation).toBe('Négociation');
    expect(labels.RECHERCHE_MIN_LENGTH).toBe(3);
  });
});
