import { z } from 'zod';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** Error messages are keys of MESSAGES (see messages.ts); the API translates them. */
// Ids are PostgreSQL `integer`s: anything above is a clean 400, never a database range error.
// `min(1)` rather than `positive()`: the OpenAPI document then says `minimum: 1`, as integrators expect of ids.
export const id = z
  .number({ error: 'err.integer' })
  .int('err.integer')
  .min(1, 'err.integer')
  .max(2_147_483_647, 'err.integer')
  .meta({ description: 'Identifiant (entier positif)', examples: [12] });
export const idParam = z.object({ id });
/** An id in an answer (server-made, so no input messages needed). */
export const idOut = z.number().int().min(1).max(2_147_483_647);
/** A count or other non-negative integer in an answer. */
export const count = z.number().int().min(0);

/**
 * C0 control characters other than tab, newline and carriage return. NUL in particular is refused
 * by PostgreSQL (text cannot hold it) and the others only serve to hide content; user text drops them.
 */
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;
/**
 * Invisible format characters: zero-width space/joiners, word joiner, BOM, soft hyphen, and the
 * bidirectional embeddings, overrides and isolates (U+202A–202E, U+2066–2069), which can make a
 * name display differently from what it is (« Trojan Source » spoofing). Dropped from user text.
 */
const INVISIBLE_CHARS = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
export const stripControlChars = (s: string): string => s.replace(CONTROL_CHARS, '').replace(INVISIBLE_CHARS, '');
/** A string schema whose value is sanitized before any other check (trim, length…). */
export const cleanString = (params?: Parameters<typeof z.string>[0]) => z.string(params).overwrite(stripControlChars);

export const requiredText = (max: number) =>
  cleanString({ error: 'err.required' }).trim().min(1, 'err.blank').max(max, 'err.too_long');
export const optionalText = (max?: number) =>
  max
    ? cleanString({ error: 'err.invalid' }).trim().max(max, 'err.too_long')
    : cleanString({ error: 'err.invalid' }).trim();

/** A calendar date's shape and its OpenAPI description, for inputs (isoDate) and answers (dateOut). */
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DATE_META = { format: 'date', examples: ['2026-03-31'] };

export const isoDate = z
  .string({ error: 'err.date' })
  .meta({ ...DATE_META })
  .regex(DATE_PATTERN, 'err.date')
  // Year 0 does not exist in PostgreSQL (1 BC precedes AD 1): from 0001 on.
  .refine((s) => {
    if (s < '0001') return false;
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'err.date');

/**
 * A calendar date in an answer. It comes from a PostgreSQL `date` column, valid by construction, so
 * only its shape is checked: isoDate's calendar check builds and formats a Date per value, on every
 * row of the lists that carry a date (output validation). Same `format`/`pattern` in the OpenAPI document.
 */
export const dateOut = z
  .string()
  .meta({ ...DATE_META })
  .regex(DATE_PATTERN);

/** Money: JSON number, >= 0, at most 2 decimals; kept exact as integer cents server-side. */
// Exact: the number must be the double nearest to some value with 2 decimals (what JSON `12.34`
// parses to); `12.34999999999` is not, however close, and is refused rather than rounded.
export const hasAtMostTwoDecimals = (n: number) => Number.isFinite(n) && Math.round(n * 100) / 100 === n;
/** numeric(14,2): the largest amount a money column holds, in cents. */
export const MAX_MONEY_CENTS = 99_999_999_999_999;
export const money = z
  .number({ error: 'err.money' })
  .nonnegative('err.money')
  .max(999_999_999_999.99, 'err.money')
  .refine(hasAtMostTwoDecimals, 'err.money');
/** Strictly positive money (`exclusiveMinimum: 0` in the OpenAPI document). */
export const positiveMoney = z
  .number({ error: 'err.money' })
  .gt(0, 'err.money_positive')
  .max(999_999_999_999.99, 'err.money')
  .refine(hasAtMostTwoDecimals, 'err.money');

/** Phone numbers are stored in E.164; French national forms (`01 23 45 67 89`) are accepted. */
export function normalizePhone(input: string): string | null {
  const s = input.trim();
  if (s === '') return '';
  const parsed = parsePhoneNumberFromString(s, 'FR');
  if (!parsed?.isValid()) return null;
  return parsed.number;
}
export const phone = z.string({ error: 'err.phone' }).transform((s, ctx) => {
  const n = normalizePhone(s);
  if (n === null) {
    ctx.addIssue({ code: 'custom', message: 'err.phone' });
    return z.NEVER;
  }
  return n;
});

export const email = z.string({ error: 'err.email' }).trim().toLowerCase().max(254, 'err.too_long').email('err.email');

export const choice = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: 'err.choice' });

/** Query-string boolean: `true` / `false` only (z.coerce.boolean would read "false" as true). */
// Documented as a boolean: in a query string `true` / `false` is exactly how a client serializes one.
export const queryBool = z
  .enum(['true', 'false'], { error: 'err.boolean' })
  .transform((v) => v === 'true')
  .meta({ override: { type: 'boolean', enum: undefined } });

export const timestamp = z
  .string()
  .meta({ format: 'date-time', description: 'Horodatage ISO 8601 en UTC', examples: ['2026-03-31T09:30:00Z'] });

export const paginationQuery = {
  page: z
    .number({ error: 'err.integer' })
    .int('err.integer')
    .min(1, 'err.integer')
    .default(1)
    .describe('Numéro de page, à partir de 1'),
  pageSize: z
    .number({ error: 'err.page_size' })
    .int('err.page_size')
    .min(1, 'err.page_size')
    .max(100, 'err.page_size')
    .default(25)
    .describe('Taille de page (25 par défaut, 100 au plus ; au-delà : 400)'),
  search: cleanString()
    .trim()
    .max(200, 'err.too_long')
    .describe('Recherche insensible à la casse et aux accents sur les champs texte')
    .optional(),
};

/** `?ordering=field` or `-field`, restricted to the resource's allowed fields. */
export function orderingParam<T extends readonly [string, ...string[]]>(fields: T) {
  const allowed = fields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]];
  return z
    .enum(allowed, { error: 'err.ordering' })
    .describe(`Tri : ${fields.join(', ')} ; préfixe \`-\` pour l'ordre décroissant`)
    .optional();
}

// One page schema per item schema: a component id may be registered only once.
const pages = new WeakMap<z.ZodType, z.ZodType>();
/** A paginated answer; named `<Item>Page` in the OpenAPI document when the item has an id. */
export function paginated<T extends z.ZodType>(item: T) {
  const cached = pages.get(item);
  if (cached) return cached as ReturnType<typeof page<T>>;
  const itemId = item.meta()?.id;
  const schema = itemId
    ? page(item).meta({ id: `${itemId}Page`, description: `Page de résultats (${itemId})` })
    : page(item);
  pages.set(item, schema);
  return schema;
}
const page = <T extends z.ZodType>(item: T) =>
  z.object({
    count,
    page: z.number().int().min(1),
    pageSize: z.number().int().min(1).max(100),
    results: z.array(item),
  });
export interface Page<T> {
  count: number;
  page: number;
  pageSize: number;
  results: T[];
}

/** Builds a PATCH schema: every field optional, defaults dropped so absent fields stay untouched. */
export function partialOf<T extends z.ZodRawShape>(shape: T) {
  const out: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(shape)) {
    const inner = v instanceof z.ZodDefault ? (v.def.innerType as z.ZodType) : (v as z.ZodType);
    out[k] = inner.optional();
  }
  return out as { [K in keyof T]: z.ZodOptional<T[K] extends z.ZodDefault<infer I> ? I : T[K]> };
}
