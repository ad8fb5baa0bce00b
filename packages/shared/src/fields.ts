import type { z } from 'zod';

/**
 * One field of a resource, written once: the schema of its input (none for a read-only field),
 * the schema of its output, and its value in the OpenAPI example (checked against the output
 * schema by the compiler, and by the API tests against the document). A resource's field map
 * gives its input shape (`inputShape`), its output shape (`outputShape`) and its example
 * (`exampleOf`), each in the map's order.
 */
export interface Field<I extends z.ZodType | undefined, O extends z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly example: z.output<O>;
}

/** A field clients write and read. */
export const field = <I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  example: z.output<O>,
): Field<I, O> => ({
  input,
  output,
  example,
});

/** A field only the server writes (id, computed names, timestamps). */
export const readOnlyField = <O extends z.ZodType>(output: O, example: z.output<O>): Field<undefined, O> => ({
  input: undefined,
  output,
  example,
});

type AnyFields = Record<string, Field<z.ZodType | undefined, z.ZodType>>;
type WritableKeys<F extends AnyFields> = { [K in keyof F]: F[K]['input'] extends z.ZodType ? K : never }[keyof F];

/** The input shape (for `z.object`): the writable fields' input schemas. */
export function inputShape<F extends AnyFields>(
  fields: F,
): { [K in WritableKeys<F>]: Exclude<F[K]['input'], undefined> } {
  const out: Record<string, z.ZodType> = {};
  for (const [k, f] of Object.entries(fields)) if (f.input) out[k] = f.input;
  return out as { [K in WritableKeys<F>]: Exclude<F[K]['input'], undefined> };
}

/** The output shape (for `z.object`): every field's output schema. */
export function outputShape<F extends AnyFields>(fields: F): { [K in keyof F]: F[K]['output'] } {
  const out: Record<string, z.ZodType> = {};
  for (const [k, f] of Object.entries(fields)) out[k] = f.output;
  return out as { [K in keyof F]: F[K]['output'] };
}

/** The OpenAPI example of the output. */
export function exampleOf<F extends AnyFields>(fields: F): { [K in keyof F]: z.output<F[K]['output']> } {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) out[k] = f.example;
  return out as { [K in keyof F]: z.output<F[K]['output']> };
}
