import { z } from 'zod';
import { id, paginationQuery, requiredText, timestamp } from './common.js';
import { API_KEY_FAMILIES, type ApiKeyAccess } from './integrationsChoices.js';

/**
 * Integrations: API keys and the calendar feed.
 *
 * A key's scopes name what it may do, per resource family (the first segment of a procedure's
 * path, e.g. `clients`, `devis`): `clients:lecture` reads clients, `clients:ecriture` reads and
 * writes them (writing implies reading, as in most APIs), `*:lecture` / `*:ecriture` cover every
 * family. Account management (`auth`, `clesApi`, `calendrier`) is never reachable with a key.
 */
export const API_KEY_SCOPE = /^(\*|[a-z]+):(lecture|ecriture)$/;
export const apiKeyScope = z
  .string({ error: 'err.scope' })
  .regex(API_KEY_SCOPE, 'err.scope')
  .refine((s) => {
    const family = s.split(':')[0];
    return family === '*' || (API_KEY_FAMILIES as readonly string[]).includes(family);
  }, 'err.scope');

/** True when `scopes` allow `access` on `family` (`ecriture` implies `lecture`). */
export function scopesAllow(scopes: readonly string[], family: string, access: ApiKeyAccess): boolean {
  return scopes.some((s) => {
    const [f, a] = s.split(':');
    return (f === '*' || f === family) && (a === 'ecriture' || a === access);
  });
}

/** The visible start of a secret (`crm_` and 8 characters): identifies a key in lists and logs. */
export const API_KEY_PREFIX_LENGTH = 12;

export const apiKeyCreateInput = z
  .object({
    nom: requiredText(100),
    scopes: z.array(apiKeyScope, { error: 'err.scope' }).min(1, 'err.scope').max(40, 'err.scope'),
    /** Timestamp after which the key is refused; none = never expires. */
    expireLe: z.iso.datetime({ offset: true, error: 'err.datetime' }).nullable().optional(),
    /** The user the key acts as (admins only; others create keys for themselves). Defaults to the caller. */
    user: id.optional(),
  })
  .meta({ id: 'ApiKeyCreate', description: "Nouvelle clé d'API" });
export type ApiKeyCreateIn = z.infer<typeof apiKeyCreateInput>;

export const apiKeyListInput = z.object({
  ...paginationQuery,
  actives: z
    .enum(['true', 'false'], { error: 'err.boolean' })
    .meta({
      override: { type: 'boolean', enum: undefined },
      description: 'Seulement les clés actives (true) ou révoquées/expirées (false)',
    })
    .optional(),
});

export const apiKeyOutput = z
  .object({
    id: z.number().int(),
    nom: z.string(),
    prefixe: z.string(),
    scopes: z.array(z.string()),
    user: z.number().int(),
    userNom: z.string(),
    creePar: z.number().int(),
    expireLe: timestamp.nullable(),
    derniereUtilisation: timestamp.nullable(),
    derniereIp: z.string(),
    revoqueeLe: timestamp.nullable(),
    active: z.boolean(),
    dateCreation: timestamp,
  })
  .meta({ id: 'ApiKey', description: "Clé d'API (sans son secret)", examples: [apiKeyExample()] });
export type ApiKeyOut = z.infer<typeof apiKeyOutput>;
/** The creation answer: the only time the secret is shown. */
export const apiKeyCreatedOutput = apiKeyOutput.extend({ secret: z.string() }).meta({
  id: 'ApiKeyCreated',
  description: "Clé d'API créée : le secret n'est montré qu'une fois",
  examples: [{ ...apiKeyExample(), secret: 'crm_3kq7x2…' }],
});
function apiKeyExample() {
  return {
    id: 4,
    nom: 'ERP',
    prefixe: 'crm_3kq7x2',
    scopes: ['clients:lecture', 'devis:ecriture'],
    user: 3,
    userNom: 'Paul Martin',
    creePar: 1,
    expireLe: null,
    derniereUtilisation: '2026-03-02T08:00:00Z',
    derniereIp: '203.0.113.7',
    revoqueeLe: null,
    active: true,
    dateCreation: '2026-03-01T09:00:00Z',
  };
}

export const apiKeySettings = z.object({
  /** Whether non-admin users may create keys acting as themselves. */
  libreService: z.boolean({ error: 'err.boolean' }),
});
export type ApiKeySettings = z.infer<typeof apiKeySettings>;

export const calendarFeedOutput = z.object({
  /** Absolute path of the feed (`/api/calendrier/<token>.ics`); shown once, at creation. */
  url: z.string(),
  dateCreation: timestamp,
});
export const calendarFeedStatus = z.object({ actif: z.boolean(), dateCreation: timestamp.nullable() });
