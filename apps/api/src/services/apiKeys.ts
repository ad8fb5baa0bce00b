import type { EntityManager } from '@crm/db';
import type { ApiKeyCreateIn, ApiKeyOut, ApiKeySettings, Page } from '@crm/shared';
import type { z } from 'zod';
import type { apiKeyListInput } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { newApiKeySecret } from '../auth/apiKeys.js';
import { ApiError, fieldError, notFound } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { columns } from '../lib/sql/columns.js';
import { ISO_UTC, textArray } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { addSearch, getResource, listResource, userName, type Resource } from './listing.js';
import { audit } from './audit.js';

/**
 * API keys (`/api/cles-api/`): admins manage every key and may issue one acting as any active user;
 * other users see and manage their own keys, and create them only when an admin allows it
 * (`libreService`). A key is never deleted: DELETE revokes it (kept, inactive, for the audit trail).
 */
const SELF_SERVICE = 'cles_api.libre_service';

const KEY_COLUMNS = columns<ApiKeyOut>({
  id: 'k.id',
  nom: 'k.nom',
  prefixe: 'k.prefixe',
  scopes: 'k.scopes',
  user: 'k.user_id',
  userNom: userName('u'),
  creePar: 'k.cree_par_id',
  expireLe: ISO_UTC('k.expire_le'),
  derniereUtilisation: ISO_UTC('k.derniere_utilisation'),
  derniereIp: 'k.derniere_ip',
  revoqueeLe: ISO_UTC('k.revoquee_le'),
  active: '(k.revoquee_le is null and (k.expire_le is null or k.expire_le > now()) and u.is_active)',
  dateCreation: ISO_UTC('k.date_creation'),
});

const keyResource: Resource<ApiKeyOut> = {
  from: `from cles_api k join users u on u.id = k.user_id`,
  alias: 'k',
  columns: KEY_COLUMNS.select,
  orderColumns: { dateCreation: 'k.date_creation', nom: 'k.nom' },
  defaultOrder: 'k.date_creation desc, k.id desc',
  map: KEY_COLUMNS.map,
};

/** Admins see every key; others only the keys acting as themselves. */
function scoped(where: Where, user: AuthUser): Where {
  return user.role === 'admin' ? where : where.add('k.user_id = ?', user.id);
}

export async function apiKeySettings(em: EntityManager): Promise<ApiKeySettings> {
  const row = await sqlOne<{ valeur: boolean }>(em, `select valeur from parametres where cle = ?`, [SELF_SERVICE]);
  return { libreService: row?.valeur === true };
}

export async function setApiKeySettings(
  em: EntityManager,
  user: AuthUser,
  input: ApiKeySettings,
  ip: string,
): Promise<ApiKeySettings> {
  await em.transactional(async (tem) => {
    await sql(
      tem,
      `insert into parametres (cle, valeur) values (?, ?::jsonb) on conflict (cle) do update set valeur = excluded.valeur`,
      [SELF_SERVICE, JSON.stringify(input.libreService)],
    );
    await audit(tem, { userId: user.id, action: 'cles_api.reglages', entity: 'parametres', details: { ...input }, ip });
  });
  return input;
}

export function listApiKeys(
  em: EntityManager,
  user: AuthUser,
  input: z.infer<typeof apiKeyListInput>,
): Promise<Page<ApiKeyOut>> {
  const where = scoped(new Where(), user);
  addSearch(where, input.search, `crm_fold(k.nom || ' ' || k.prefixe)`);
  if (input.actives === 'true') where.add('k.revoquee_le is null and (k.expire_le is null or k.expire_le > now())');
  if (input.actives === 'false') where.add('(k.revoquee_le is not null or k.expire_le <= now())');
  return listResource(em, keyResource, input, where);
}

export function getApiKey(em: EntityManager, user: AuthUser, id: number): Promise<ApiKeyOut> {
  return getResource(em, keyResource, scoped(new Where().add('k.id = ?', id), user));
}

export async function createApiKey(
  em: EntityManager,
  user: AuthUser,
  input: ApiKeyCreateIn,
  ip: string,
): Promise<ApiKeyOut & { secret: string }> {
  const actingAs = input.user ?? user.id;
  if (user.role !== 'admin') {
    if (!(await apiKeySettings(em)).libreService) throw new ApiError('FORBIDDEN', 'error.api_keys_self_service_off');
    if (actingAs !== user.id) throw new ApiError('FORBIDDEN', 'error.forbidden');
  }
  if (input.expireLe && Date.parse(input.expireLe) <= Date.now()) throw fieldError('expireLe', 'err.expire_passe');
  const { secret, prefixe, hash } = newApiKeySecret();
  const id = await em.transactional(async (tem) => {
    const target = await sqlOne(tem, `select id from users where id = ? and is_active`, [actingAs]);
    if (!target) throw fieldError('user', 'err.not_found_ref');
    const [row] = await sql<{ id: number }>(
      tem,
      `insert into cles_api (nom, prefixe, hash, scopes, user_id, cree_par_id, expire_le) values (?, ?, ?, ?::text[], ?, ?, ?) returning id`,
      [input.nom, prefixe, hash, textArray(input.scopes), actingAs, user.id, input.expireLe ?? null],
    );
    await audit(tem, {
      userId: user.id,
      action: 'cles_api.creation',
      entity: 'cles_api',
      entityId: row.id,
      details: { nom: input.nom, prefixe, scopes: input.scopes, user: actingAs },
      ip,
    });
    return row.id;
  });
  return { ...(await getApiKey(em, user, id)), secret };
}

/**
 * Revokes the key (idempotent); refused at once on every instance, since each request reads the row.
 * (Audited as every DELETE is, by the authed procedure.)
 */
export async function revokeApiKey(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scoped(new Where().add('k.id = ?', id), user);
  const [row] = await sql<{ id: number }>(
    em,
    `update cles_api k set revoquee_le = coalesce(k.revoquee_le, now()) ${where} returning k.id`,
    where.params,
  );
  if (!row) throw notFound();
}
