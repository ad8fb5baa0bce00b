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
