import type { EntityManager } from '@crm/db';
import type { Page, WebhookDeliveryOut, WebhookEvent, WebhookOut } from '@crm/shared';
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { webhookCreateInput, webhookDeliveryListInput, webhookListInput, webhookPatchInput } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import type { WebhooksConfig } from '../config.js';
import { enqueue, enqueueMany } from '../jobs/queue.js';
import { fieldError, notFound } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { columns } from '../lib/sql/columns.js';
import { ISO_UTC, textArray } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { SECRET_PREFIX, urlRefusal } from '../lib/webhookHttp.js';
import { jsonArrayLiteral, textArrayLiteral } from '../lib/pgArrays.js';
import { audit } from './audit.js';
import { addSearch, getResource, listResource, type Resource } from './listing.js';
import { DEVIS_RESOURCE } from './devis/queries.js';

/**
 * Webhook subscriptions (`/api/webhooks/`, admin) and the webhook outbox.
 *
 * `emitWebhookEvent` runs inside the business transaction that causes the event: it writes one
 * delivery row per active subscription (payload frozen then) and enqueues its delivery job on the
 * same transaction, so an event exists if and only if its change committed. Delivery itself
 * (jobs/webhooks.ts) happens outside any request, at least once, in order per record.
 */
const WEBHOOK_COLUMNS = columns<WebhookOut>({
  id: 'w.id',
  url: 'w.url',
  description: 'w.description',
  evenements: 'w.evenements',
  secret: 'w.secret',
  actif: 'w.actif',
  echecsConsecutifs: 'w.echecs_consecutifs',
  desactiveLe: ISO_UTC('w.desactive_le'),
  dateCreation: ISO_UTC('w.date_creation'),
});

const webhookResource: Resource<WebhookOut> = {
  from: 'from webhooks w',
  alias: 'w',
  columns: WEBHOOK_COLUMNS.select,
  orderColumns: { dateCreation: 'w.date_creation', url: 'w.url' },
  defaultOrder: 'w.date_creation desc, w.id desc',
  map: WEBHOOK_COLUMNS.map,
};

const DELIVERY_COLUMNS = columns<WebhookDeliveryOut>({
  id: { sql: 'l.id', read: Number },
  webhook: 'l.webhook_id',
  messageId: 'l.message_id',
  evenement: 'l.evenement',
  statut: 'l.statut',
  tentatives: 'l.tentatives',
  codeHttp: 'l.code_http',
  derniereErreur: 'l.derniere_erreur',
  // The next attempt only means something while the delivery waits for one.
  prochainEssai: ISO_UTC(`(case when l.statut = 'en_attente' then l.prochain_essai end)`),
  dateLivraison: ISO_UTC('l.date_livraison'),
  dateCreation: ISO_UTC('l.date_creation'),
  payload: 'l.payload',
});

const deliveryResource: Resource<WebhookDeliveryOut> = {
  from: 'from webhook_livraisons l',
  alias: 'l',
  columns: DELIVERY_COLUMNS.select,
  orderColumns: { dateCreation: 'l.id' },
  defaultOrder: 'l.id desc',
  map: DELIVERY_COLUMNS.map,
};

const newSecret = () => `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;

function checkUrl(url: string | undefined, config: WebhooksConfig): void {
  if (url === undefined) return;
  const refusal = urlRefusal(url, config.allowPrivate);
  if (refusal) throw fieldError('url', refusal);
}

export function listWebhooks(em: EntityManager, input: z.infer<typeof webhookListInput>): Promise<Page<WebhookOut>> {
  const where = addSearch(new Where(), input.search, `crm_fold(w.url || ' ' || w.description)`);
  return listResource(em, webhookResource, input, where);
}

export const getWebhook = (em: EntityManager, id: number) =>
  getResource(em, webhookResource, new Where().add('w.id = ?', id));

export async function createWebhook(
  em: EntityManager,
  user: AuthUser,
  input: z.infer<typeof webhookCreateInput>,
  config: WebhooksConfig,
  ip: string,
): Promise<WebhookOut> {
  checkUrl(input.url, config);
  const [row] = await em.transactional(async (tem) => {
    const rows = await sql<{ id: number }>(
      tem,
      `insert into webhooks (url, description, evenements, secret, actif, cree_par_id) values (?, ?, ?::text[], ?, ?, ?) returning id`,
      [input.url, input.description, textArray(input.evenements), newSecret(), input.actif, user.id],
    );
    await audit(tem, {
      userId: user.id,
      action: 'webhook.creation',
      entity: 'webhook',
      entityId: rows[0].id,
      details: { url: input.url },
      ip,
    });
    return rows;
  });
  return getWebhook(em, row.id);
}

export async function patchWebhook(
  em: EntityManager,
  user: AuthUser,
  input: z.infer<typeof webhookPatchInput>,
  config: WebhooksConfig,
  ip: string,
): Promise<WebhookOut> {
  checkUrl(input.url, config);
  await em.transactional(async (tem) => {
    const before = await sqlOne<{ actif: boolean }>(tem, `select actif from webhooks where id = ? for update`, [
      input.id,
    ]);
    if (!before) throw notFound();
    const set: string[] = ['date_modification = now()'];
    const params: unknown[] = [];
    if (input.url !== undefined) set.push('url = ?') && params.push(input.url);
    if (input.description !== undefined) set.push('description = ?') && params.push(input.description);
    if (input.evenements !== undefined) set.push('evenements = ?::text[]') && params.push(textArray(input.evenements));
    if (input.actif !== undefined) {
      set.push('actif = ?') && params.push(input.actif);
      if (input.actif) set.push('echecs_consecutifs = 0', 'desactive_le = null');
    }
    await sql(tem, `update webhooks set ${set.join(', ')} where id = ?`, [...params, input.id]);
    // Re-enabled: what waited while it was off is delivered now, oldest first per record.
    if (input.actif && !before.actif) await resumeDeliveries(tem, input.id);
    await audit(tem, {
      userId: user.id,
      action: 'webhook.modification',
      entity: 'webhook',
      entityId: input.id,
      details: { fields: Object.keys(input).filter((k) => k !== 'id') },
      ip,
    });
  });
  return getWebhook(em, input.id);
}

export async function deleteWebhook(em: EntityManager, id: number): Promise<void> {
  const rows = await sql(em, `delete from webhooks where id = ? returning id`, [id]);
  if (!rows.length) throw notFound();
}

export async function listDeliveries(
  em: EntityManager,
  input: z.infer<typeof webhookDeliveryListInput>,
): Promise<Page<WebhookDeliveryOut>> {
  const where = new Where().add('l.webhook_id = ?', input.id);
  if (input.statut) where.add('l.statut = ?', input.statut);
  return listResource(em, deliveryResource, input, where, {
    sql: 'select 1 from webhooks where id = ?',
    params: [input.id],
  });
}

/** « Rejouer »: the same message (same `webhook-id`, so receivers can deduplicate) sent again, after the record's pending ones. */
export async function replayDelivery(
  em: EntityManager,
  user: AuthUser,
  webhookId: number,
  deliveryId: number,
  ip: string,
): Promise<WebhookDeliveryOut> {
  const id = await em.transactional(async (tem) => {
    const [row] = await sql<{ id: string }>(
      tem,
      `insert into webhook_livraisons (webhook_id, message_id, evenement, cle, payload)
       select webhook_id, message_id, evenement, cle, payload from webhook_livraisons where id = ? and webhook_id = ? returning id`,
      [deliveryId, webhookId],
    );
    if (!row) throw notFound();
    await enqueue(tem, 'webhook.livrer', { livraisonId: Number(row.id) });
    await audit(tem, {
      userId: user.id,
      action: 'webhook.rejeu',
      entity: 'webhook',
      entityId: webhookId,
      details: { livraison: deliveryId },
      ip,
    });
    return Number(row.id);
  });
  return getResource(em, deliveryResource, new Where().add('l.id = ?', id));
}

/** Enqueues the oldest waiting delivery of each record of a webhook (after it was re-enabled). */
async function resumeDeliveries(em: EntityManager, webhookId: number): Promise<void> {
  const rows = await sql<{ id: string }>(
    em,
    `select distinct on (cle) id from webhook_livraisons where webhook_id = ? and statut = 'en_attente' order by cle, id`,
    [webhookId],
  );
  for (const r of rows) await enqueue(em, 'webhook.livrer', { livraisonId: Number(r.id) });
}

/**
 * A devis' state changed outside any user's request (the client's answer on the public page):
 * its webhook event, with the devis' REST detail as any admin reads it.
 */
export async function emitDevisEvent(
  em: EntityManager,
  event: 'devis.consulte' | 'devis.accepte' | 'devis.refuse',
  devisId: number,
): Promise<void> {
  const detail = await getResource(em, DEVIS_RESOURCE, new Where().add('d.id = ?', devisId));
  await emitWebhookEvent(em, event, `devis:${devisId}`, detail);
}

/**
 * Records `event` for every active subscription to it, in `em`'s transaction. `data` is the record's
 * REST detail (or `{ id }` once deleted); `cle` names the record so its events keep their order.
 */
export function emitWebhookEvent(
  em: EntityManager,
  event: WebhookEvent,
  cle: string,
  data: unknown,
  previous?: Record<string, unknown>,
): Promise<void> {
  return emitWebhookEventList(em, [{ event, cle, data, previous }]);
}

/** `event` for many records at once (bulk actions), in `em`'s transaction (see emitWebhookEventList). */
export function emitWebhookEvents(
  em: EntityManager,
  event: WebhookEvent,
  records: Array<{ cle: string; data: unknown; previous?: Record<string, unknown> }>,
): Promise<void> {
  return emitWebhookEventList(
    em,
    records.map((r) => ({ ...r, event })),
  );
}

/**
 * Events, in order, in `em`'s transaction: the delivery rows of every event × active subscription
 * to it in one statement (in the events' order), and their jobs in one more (none when no
 * subscription wants them: a move with no webhook costs one statement).
 */
export async function emitWebhookEventList(
  em: EntityManager,
  events: Array<{ event: WebhookEvent; cle: string; data: unknown; previous?: Record<string, unknown> }>,
): Promise<void> {
  if (!events.length) return;
  const timestamp = new Date().toISOString();
  const payloads = events.map((e) => ({
    type: e.event,
    timestamp,
    data: e.data,
    ...(e.previous ? { previous: e.previous } : {}),
  }));
  const rows = await sql<{ id: string }>(
    em,
    `insert into webhook_livraisons (webhook_id, message_id, evenement, cle, payload)
     select w.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), x.evenement, x.cle, x.payload
       from unnest(?::text[], ?::text[], ?::jsonb[]) with ordinality as x(evenement, cle, payload, n)
       join webhooks w on w.actif and w.evenements @> array[x.evenement]
      order by x.n, w.id
     returning id`,
    [
      textArrayLiteral(events.map((e) => e.event)),
      textArrayLiteral(events.map((e) => e.cle)),
      jsonArrayLiteral(payloads),
    ],
  );
  await enqueueMany(
    em,
    'webhook.livrer',
    rows.map((r) => ({ livraisonId: Number(r.id) })),
  );
}
