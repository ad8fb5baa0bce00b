import type { EntityManager } from '@crm/db';
import type { AppDeps } from '../deps.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { postWebhook, signWebhook, WebhookHttpError } from '../lib/webhookHttp.js';
import { audit } from '../services/audit.js';
import { notify } from '../services/notifications.js';
import { defineJob, enqueue } from './queue.js';

declare module './queue.js' {
  interface JobTypes {
    'webhook.livrer': { livraisonId: number };
  }
}

/**
 * Delivers one webhook message (a row of `webhook_livraisons`), outside any request transaction and
 * without holding a database connection during the HTTP call:
 *
 * 1. claim it (one UPDATE): only when it is due, its webhook active, and no earlier message of the
 *    same record is still waiting — so one record's events arrive in order; a message that must
 *    wait is picked up when the earlier one finishes (step 3);
 * 2. POST it, signed (Standard Webhooks), SSRF-checked, no redirects, with a timeout;
 * 3. record the outcome: delivered, or retried later with exponential backoff (base × 2^n, at most
 *    an hour apart) for 24 h, then failed; then enqueue the record's next waiting message. After
 *    `disableAfterFailures` consecutive failed attempts the webhook is disabled, audited, and every
 *    active admin is notified in the app.
 *
 * At least once: a worker killed mid-send leaves the row `en_cours`; the job expires, pg-boss runs
 * it again and the stale claim (older than a minute) is taken over — the receiver may then see a
 * message twice, with the same `webhook-id` to deduplicate.
 */
const STALE_CLAIM_SECONDS = 60;

interface Claimed {
  id: string;
  webhook_id: number;
  message_id: string;
  cle: string;
  payload: unknown;
  tentatives: number;
  age_seconds: number;
  url: string;
  secret: string;
}

async function claim(em: EntityManager, id: number): Promise<Claimed | undefined> {
  return sqlOne<Claimed>(
    em,
    `update webhook_livraisons l set statut = 'en_cours', verrou = now(), tentatives = l.tentatives + 1
       from webhooks w
      where l.id = ? and w.id = l.webhook_id and w.actif and l.prochain_essai <= now() + interval '1 second'
        and (l.statut = 'en_attente' or (l.statut = 'en_cours' and l.verrou < now() - interval '${STALE_CLAIM_SECONDS} seconds'))
        and not exists (select 1 from webhook_livraisons p where p.webhook_id = l.webhook_id and p.cle = l.cle and p.id < l.id
                          and p.statut in ('en_attente', 'en_cours'))
      returning l.id, l.webhook_id, l.message_id, l.cle, l.payload, l.tentatives,
                extract(epoch from now() - l.date_creation)::float8 as age_seconds, w.url, w.secret`,
    [id],
  );
}

/** The record's next waiting message, enqueued on `em`'s transaction (due now or at its retry time). */
async function enqueueNext(em: EntityManager, webhookId: number, cle: string): Promise<void> {
  const next = await sqlOne<{ id: string; prochain_essai: Date }>(
    em,
    `select id, prochain_essai from webhook_livraisons where webhook_id = ? and cle = ? and statut = 'en_attente' order by id limit 1`,
    [webhookId, cle],
  );
  if (next)
    await enqueue(
      em,
      'webhook.livrer',
      { livraisonId: Number(next.id) },
      { startAfter: new Date(next.prochain_essai) },
    );
}

export const deliverWebhook = defineJob({
  name: 'webhook.livrer',
  concurrency: 4,
  retryLimit: 5,
  retryDelay: 30,
  expireInSeconds: 120,
  async run(data, _job, deps: AppDeps) {
    const config = deps.config.webhooks;
    const em = deps.orm.em.fork() as EntityManager;
    const msg = await claim(em, data.livraisonId);
    if (!msg) return;

    const body = JSON.stringify(msg.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    let error = '';
    try {
      status = await postWebhook(
        msg.url,
        body,
        {
          'webhook-id': msg.message_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(msg.secret, msg.message_id, timestamp, body),
        },
        { allowPrivate: config.allowPrivate, timeoutMs: config.timeoutMs },
      );
    } catch (err) {
      status = err instanceof WebhookHttpError ? err.status : null;
      error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    }

    await em.transactional(async (tem) => {
      if (!error) {
        await sql(
          tem,
          `update webhook_livraisons set statut = 'livre', code_http = ?, derniere_erreur = '', verrou = null, date_livraison = now() where id = ?`,
          [status, msg.id],
        );
        await sql(tem, `update webhooks set echecs_consecutifs = 0 where id = ? and echecs_consecutifs <> 0`, [
          msg.webhook_id,
        ]);
        await enqueueNext(tem, msg.webhook_id, msg.cle);
        return;
      }
      const delay = Math.min(config.retryBaseSeconds * 2 ** (msg.tentatives - 1), 3600);
      const giveUp = msg.age_seconds + delay > config.maxAgeSeconds;
      await sql(
        tem,
        `update webhook_livraisons set statut = ?, code_http = ?, derniere_erreur = ?, verrou = null,
                prochain_essai = now() + make_interval(secs => ?) where id = ?`,
        [giveUp ? 'echec' : 'en_attente', status, error, delay, msg.id],
      );
      if (giveUp) await enqueueNext(tem, msg.webhook_id, msg.cle);
      else
        await enqueue(
          tem,
          'webhook.livrer',
          { livraisonId: Number(msg.id) },
          { startAfter: new Date(Date.now() + delay * 1000) },
        );
      const [w] = await sql<{ echecs_consecutifs: number; actif: boolean }>(
        tem,
        `update webhooks set echecs_consecutifs = echecs_consecutifs + 1,
                actif = actif and echecs_consecutifs + 1 < ?,
                desactive_le = case when actif and echecs_consecutifs + 1 >= ? then now() else desactive_le end
          where id = ? returning echecs_consecutifs, actif`,
        [config.disableAfterFailures, config.disableAfterFailures, msg.webhook_id],
      );
      if (w && !w.actif && w.echecs_consecutifs === config.disableAfterFailures) {
        await audit(tem, {
          action: 'webhook.desactive',
          entity: 'webhook',
          entityId: msg.webhook_id,
          details: { echecs: w.echecs_consecutifs, derniereErreur: error },
        });
        // Every active admin is told in the app (webhooks are theirs to repair and re-enable).
        const admins = await sql<{ id: number }>(tem, `select id from users where role = 'admin' and is_active`);
        for (const a of admins) {
          await notify(tem, {
            user: a.id,
            type: 'webhook_desactive',
            message: `Webhook désactivé après ${w.echecs_consecutifs} échecs consécutifs : ${msg.url} (${error})`.slice(
              0,
              500,
            ),
            lien: '/integrations',
          });
        }
      }
    });
  },
});
