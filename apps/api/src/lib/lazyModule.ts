import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS dependency loaded on its first use instead of when the API starts: ExcelJS, PDFKit and
 * nodemailer cost about a second of CPU to load together, which every process paid at start (the
 * API, `pnpm worker`, each CLI, each test worker) whether or not it ever wrote a workbook, a PDF or
 * a mail. Import the module's types with `import type`.
 */
export function lazyModule<T>(id: string): () => T {
  let mod: T | undefined;
  return () => {
    mod ??= require(id) as T;
    return mod;
  };
}
