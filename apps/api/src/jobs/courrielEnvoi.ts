import type { AppDeps } from '../deps.js';
import type { AppConfig } from '../config.js';
import { composeMail, MailSendError, sendSmtp, writeEml } from '../lib/mail.js';
import { audit } from '../services/audit.js';
import { notify } from '../services/notifications.js';
import {
  claimCourriel,
  COURRIEL_JOB,
  markFailed,
  markRetry,
  markSent,
  markTransmitting,
} from '../services/courriels/outbox.js';
import { defineJob } from './queue.js';

/**
 * Delivers one outbox mail: claim it (short statement), compose, transmit over SMTP or write it to
 * the local mailbox, record the outcome (short statement). No database connection is held while
 * the mail server is talked to, so a slow or dead server never starves requests.
 *
 * Never twice: the attempt records « transmission » just before the message goes out; a later
 * attempt that finds a stale « transmission » (its worker died, or the connection broke without an
 * answer) does not send again but marks the mail `echec`, delivery unknown, and tells the sender.
 * A worker killed before that point (connecting, greeting, login) is safely retried.
 */

/** Attempts before giving up (each after a doubling delay, capped). */
export const MAX_TENTATIVES = 6;
const BACKOFF_CAP_SECONDS = 3600;

/** Longest an attempt can take (connection, greeting, then socket idle per step, each SMTP_TIMEOUT_SECONDS) plus margin. */
export const leaseSeconds = (smtp: AppConfig['smtp']) => smtp.timeoutSeconds * 3 + 2;

export function retryDelaySeconds(config: AppConfig['mail'], tentatives: number): number {
  return Math.min(BACKOFF_CAP_SECONDS, config.retryBaseSeconds * 2 ** Math.max(0, tentatives - 1));
}

async function tellSender(
  deps: AppDeps,
  id: number,
  failed: { expediteurId: number | null; devisId: number | null } | null,
  error: string,
) {
  if (!failed) return;
  // The sender is told in the app, and sees the failure on the devis (courriel.statut `echec` with
  // derniereErreur) and in the audit log.
  await deps.orm.em.fork().transactional(async (tem) => {
    await audit(tem, {
      userId: failed.expediteurId,
      action: 'courriel.echec',
      entity: failed.devisId ? 'devis' : 'courriel',
      entityId: failed.devisId ?? id,
      details: { courriel: id, error: error.slice(0, 300) },
    });
    await notify(tem, {
      user: failed.expediteurId,
      type: 'courriel_echec',
      message: `L'e-mail n'a pas pu être envoyé${failed.devisId ? ' pour un devis' : ''} : ${error}`.slice(0, 500),
      lien: failed.devisId ? `/devis/${failed.devisId}` : '/courriels',
    });
  });
}

export function courrielEnvoiJob(config: AppConfig) {
  const lease = leaseSeconds(config.smtp);
  return defineJob<typeof COURRIEL_JOB, AppDeps>({
    name: COURRIEL_JOB,
    concurrency: 2,
    // pg-boss retries only jobs whose worker died or that found the mail busy; mail errors are
    // handled below (own backoff, visible on the row).
    retryLimit: 10,
    retryDelay: 2,
    expireInSeconds: lease + 3,
    async run({ courrielId: id }, _job, deps) {
      const em = deps.orm.em.fork();
      const claimed = await claimCourriel(em, id, lease);
      if (claimed.kind === 'nothing') return;
      if (claimed.kind === 'busy') throw new Error(`courriel ${id} held by another attempt`);
      if (claimed.kind === 'interrupted') {
        const error =
          'Envoi interrompu pendant la transmission : le message a peut-être été reçu, il n’est pas renvoyé pour éviter un doublon.';
        await tellSender(deps, id, await markFailed(em, id, null, error), error);
        return;
      }
      const { jeton, message, tentatives } = claimed.claim;
      const { smtp, dataDir } = deps.config;
      let lost = false;
      try {
        const raw = await composeMail(smtp.from, message);
        if (!smtp.host) {
          await writeEml(dataDir, `courriel-${id}`, raw);
        } else {
          await sendSmtp(smtp, message.to, raw, async () => {
            if (!(await markTransmitting(em, id, jeton))) {
              lost = true;
              throw new Error('claim lost');
            }
          });
        }
        await markSent(em, id, jeton);
      } catch (err) {
        if (lost) return;
        const text = err instanceof Error ? err.message : String(err);
        if (err instanceof MailSendError && err.maybeDelivered) {
          const error = `Connexion perdue pendant la transmission (${text}) : le message a peut-être été reçu, il n’est pas renvoyé pour éviter un doublon.`;
          await tellSender(deps, id, await markFailed(em, id, jeton, error), error);
        } else if ((err instanceof MailSendError && err.permanent) || tentatives >= MAX_TENTATIVES) {
          await tellSender(deps, id, await markFailed(em, id, jeton, text), text);
        } else {
          const next = new Date(Date.now() + retryDelaySeconds(deps.config.mail, tentatives) * 1000);
          await em.transactional(async (tem) => {
            await markRetry(tem, id, jeton, text, next);
            await deps.jobs.enqueue(tem, COURRIEL_JOB, { courrielId: id }, { startAfter: next });
          });
        }
      }
    },
  });
}
