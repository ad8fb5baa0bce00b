import { TRPCError } from '@trpc/server';
import { ZodRealError, type z } from 'zod';

/**
 * Input validation for plain Fastify routes (file downloads): a Zod failure becomes the same
 * contract 400 as a procedure's (`fieldErrors` per field), field names optionally prefixed
 * (`filtres.dateDebut`). ZodRealError (not ZodError) is the Error subclass tRPC keeps as cause.
 */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, prefix?: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = prefix ? parsed.error.issues.map((i) => ({ ...i, path: [prefix, ...i.path] })) : parsed.error.issues;
  throw new TRPCError({ code: 'BAD_REQUEST', cause: new ZodRealError(issues) });
}

/**
 * A path segment as an id: canonical positive decimal only (`12`), so that `0x10`, `1e1`, `1.0`,
 * `012` or ` 12` do not name object 16, 10 or 12 (each id has one spelling, as in the REST adapter).
 * Anything else is NaN, which the id schema refuses (400).
 */
export const pathId = (segment: string): number => (/^[1-9]\d{0,15}$/.test(segment) ? Number(segment) : Number.NaN);

/** The zod type under optional/default/nullable wrappers. */
function baseType(t: any): string | undefined {
  let cur = t;
  for (let i = 0; i < 10 && cur?._zod?.def; i++) {
    const def = cur._zod.def;
    if (def.innerType) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else return def.type;
  }
  return cur?._zod?.def?.type;
}

/**
 * A query string read by a plain route like the REST adapter reads it for procedures: numbers
 * converted where the schema wants numbers (so `?responsable=3` means the same everywhere).
 */
export function queryValues(schema: z.ZodObject, query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...query };
  for (const [key, shape] of Object.entries(schema.shape)) {
    const v = out[key];
    if (typeof v === 'string' && baseType(shape) === 'number' && v.trim() !== '' && !Number.isNaN(Number(v)))
      out[key] = Number(v);
  }
  return out;
}
