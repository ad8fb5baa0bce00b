import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@crm/db';
import { enqueue } from '../../jobs/queue.js';
import { sql, sqlOne } from '../../lib/sql/runner.js';
import type { MailMessage } from '../../lib/mail.js';

/**
 * The mail outbox. A mail is a `courriels` row (+ attachments) written in the business
 * transaction that causes it, with its delivery job enqueued in that same transaction: it exists
 * if and only if the change commits. Delivery (jobs/courrielEnvoi.ts) runs later, outside any
 * request, through the state changes below — each one short statement, never held open while
 * talking to the mail server.
 */

export const COURRIEL_JOB = 'courriel.envoyer';

declare module '../../jobs/queue.js' {
  interface JobTypes {
    'courriel.envoyer': { courrielId: number };
  }
}

export interface NewCourriel {
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
  devisId?: number;
  expediteurId?: number;
}

/** Writes the mail and enqueues its delivery, on `em`'s transaction. Returns the courriel id. */
export async function queueCourriel(em: EntityManager, mail: NewCourriel, domain = 'crm.local'): Promise<number> {
  const [row] = await sql<{ id: number }>(
    em,
    `insert into courriels (destinataire, repondre_a, sujet, corps_texte, corps_html, message_id, devis_id, expediteur_id)
     values (?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    [
      mail.to,
      mail.replyTo ?? null,
      mail.subject,
      mail.text,
      mail.html ?? null,
      `<${randomUUID()}@${domain}>`,
      mail.devisId ?? null,
      mail.expediteurId ?? null,
    ],
  );
  for (const a of mail.attachments ?? []) {
    await sql(em, 'insert into courriel_pieces_jointes (courriel_id, nom, type, contenu) values (?, ?, ?, ?)', [
      row.id,
      a.filename,
      a.contentType,
      a.content,
    ]);
  }
  await enqueue(em, COURRIEL_JOB, { courrielId: row.id });
  return row.id;
}

export interface Claim {
  jeton: string;
  message: MailMessage;
  tentatives: number;
}

export type ClaimResult =
  | { kind: 'claimed'; claim: Claim }
  /** Already delivered or failed for good (or gone). */
  | { kind: 'nothing' }
  /** Another attempt holds it and may still be alive: try again later. */
  | { kind: 'busy' }
  /** A previous attempt died while the message was being transmitted: its delivery is unknown. */
  | { kind: 'interrupted'; tentatives: number };

/**
 * Takes the mail for one attempt: only `en_attente` mails, and not while another attempt holds it
 * (unless that one is older than `leaseSeconds`, i.e. its worker died). One statement.
 */
export async function claimCourriel(em: EntityManager, id: number, leaseSeconds: number): Promise<ClaimResult> {
  const jeton = randomUUID();
  const row = await sqlOne(
    em,
    `with cur as (
       select id, envoi_phase as phase_avant from courriels
        where id = ? and statut = 'en_attente' and (envoi_jeton is null or envoi_debut < now() - make_interval(secs => ?))
        for update
     )
     update courriels c
        set envoi_jeton = case when cur.phase_avant = 'transmission' then c.envoi_jeton else ?::uuid end,
            envoi_debut = case when cur.phase_avant = 'transmission' then c.envoi_debut else now() end,
            envoi_phase = case when cur.phase_avant = 'transmission' then c.envoi_phase else 'connexion' end,
            tentatives = case when cur.phase_avant = 'transmission' then c.tentatives else c.tentatives + 1 end
       from cur where c.id = cur.id
     returning cur.phase_avant, c.tentatives, c.destinataire, c.repondre_a, c.sujet, c.corps_texte, c.corps_html, c.message_id`,
    [id, leaseSeconds, jeton],
  );
  if (!row) {
    const cur = await sqlOne(em, 'select statut from courriels where id = ?', [id]);
    return cur?.statut === 'en_attente' ? { kind: 'busy' } : { kind: 'nothing' };
  }
  if (row.phase_avant === 'transmission') return { kind: 'interrupted', tentatives: row.tentatives };
  const attachments = await sql(
    em,
    'select nom, type, contenu from courriel_pieces_jointes where courriel_id = ? order by id',
    [id],
  );
  return {
    kind: 'claimed',
    claim: {
      jeton,
      tentatives: row.tentatives,
      message: {
        to: row.destinataire,
        replyTo: row.repondre_a ?? undefined,
        subject: row.sujet,
        text: row.corps_texte,
        html: row.corps_html ?? undefined,
        messageId: row.message_id,
        attachments: attachments.map((a) => ({ filename: a.nom, contentType: a.type, content: a.contenu as Buffer })),
      },
    },
  };
}

/** Recorded just before the message goes out: from here on, a crash leaves its delivery unknown. False if the claim was lost. */
export async function markTransmitting(em: EntityManager, id: number, jeton: string): Promise<boolean> {
  const rows = await sql(
    em,
    `update courriels set envoi_phase = 'transmission' where id = ? and envoi_jeton = ?::uuid returning id`,
    [id, jeton],
  );
  return rows.length === 1;
}

export async function markSent(em: EntityManager, id: number, jeton: string): Promise<void> {
  await sql(
    em,
    `update courriels set statut = 'envoye', date_envoi = now(), derniere_erreur = null, prochaine_tentative = null,
            envoi_jeton = null, envoi_debut = null, envoi_phase = null
      where id = ? and envoi_jeton = ?::uuid`,
    [id, jeton],
  );
}

/** A failed attempt that will be retried at `next`. */
export async function markRetry(
  em: EntityManager,
  id: number,
  jeton: string,
  error: string,
  next: Date,
): Promise<void> {
  await sql(
    em,
    `update courriels set derniere_erreur = ?, prochaine_tentative = ?, envoi_jeton = null, envoi_debut = null, envoi_phase = null
      where id = ? and envoi_jeton = ?::uuid`,
    [error.slice(0, 1000), next, id, jeton],
  );
}

/** Failed for good. Returns the sender and devis to tell, or null if the mail was not in that attempt's hands. */
export async function markFailed(
  em: EntityManager,
  id: number,
  jeton: string | null,
  error: string,
): Promise<{ expediteurId: number | null; devisId: number | null } | null> {
  const row = await sqlOne(
    em,
    `update courriels set statut = 'echec', derniere_erreur = ?, prochaine_tentative = null, envoi_jeton = null, envoi_debut = null, envoi_phase = null
      where id = ? and statut = 'en_attente' and (?::uuid is null or envoi_jeton = ?::uuid)
      returning expediteur_id, devis_id`,
    [error.slice(0, 1000), id, jeton, jeton],
  );
  return row ? { expediteurId: row.expediteur_id, devisId: row.devis_id } : null;
}
