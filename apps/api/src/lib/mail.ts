import fs from 'node:fs/promises';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type { AppConfig } from '../config.js';

/**
 * Outgoing mail, as used by the outbox worker: a message is composed once into its RFC 822 bytes
 * (with our own Message-ID), then either transmitted over SMTP (config.smtp.host set) or written
 * as an `.eml` file into the local mailbox (no SMTP configured: a newcomer needs no mail server).
 */

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  replyTo?: string;
  messageId: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

type SmtpConfig = AppConfig['smtp'];

/** The message as sent (and as stored in the local mailbox). */
export function composeMail(from: string, message: MailMessage): Promise<Buffer> {
  const { messageId, ...rest } = message;
  return new MailComposer({ from, ...rest, messageId, date: new Date() }).compile().build();
}

/**
 * A failed SMTP attempt. `permanent`: the server refused for good (5xx), retrying is pointless.
 * `maybeDelivered`: the connection broke after the message itself started to go out, so the server
 * may have accepted it — sending again could deliver it twice.
 */
export class MailSendError extends Error {
  constructor(
    readonly cause: unknown,
    readonly permanent: boolean,
    readonly maybeDelivered: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'MailSendError';
  }
}

function smtpStep<T>(run: (cb: (err: any, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

/**
 * One SMTP dialogue: connect (+ login), then `beforeTransmit()` (the caller records that the
 * message is going out), then MAIL FROM / RCPT TO / DATA. Timeouts come from SMTP_TIMEOUT_SECONDS,
 * so a hanging server costs one worker slot for that long, never a request.
 */
export async function sendSmtp(
  smtp: SmtpConfig,
  to: string,
  raw: Buffer,
  beforeTransmit: () => Promise<void>,
): Promise<void> {
  const timeout = smtp.timeoutSeconds * 1000;
  const conn = new SMTPConnection({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  let transmitting = false;
  // Connection errors and timeouts arrive as events (connect's callback only reports success).
  const broken = new Promise<never>((_, reject) => {
    conn.once('error', reject);
    conn.once('end', () => reject(new Error('connection closed by the server')));
  });
  broken.catch(() => {});
  const step = <T>(run: (cb: (err: any, value?: T) => void) => void) => Promise.race([smtpStep<T>(run), broken]);
  try {
    await step<void>((cb) => conn.connect(() => cb(null)));
    if (smtp.user) await step<void>((cb) => conn.login({ user: smtp.user!, pass: smtp.pass ?? '' }, cb));
    await beforeTransmit();
    transmitting = true;
    const info = await step<SMTPConnection.SentMessageInfo>((cb) =>
      conn.send({ from: envelopeAddress(smtp.from), to: [to] }, raw, cb),
    );
    if (info.rejected?.length)
      throw Object.assign(new Error(`recipient rejected: ${info.rejected.join(', ')}`), { responseCode: 550 });
    conn.quit();
  } catch (err) {
    conn.close();
    const code = Number((err as { responseCode?: number }).responseCode) || 0;
    // With an answer from the server, we know where we stand; without one (timeout, reset) after
    // the transmission started, the message may have been accepted.
    throw new MailSendError(err, code >= 500, transmitting && !code);
  }
}

/** `Ventes <ventes@x.fr>` → `ventes@x.fr` for the SMTP envelope. */
function envelopeAddress(from: string): string {
  const m = /<([^>]+)>/.exec(from);
  return (m ? m[1] : from).trim();
}

/** Local mailbox: `<dataDir>/courriels/<name>.eml`, written atomically (rewriting the same mail is harmless). */
export async function writeEml(dataDir: string, name: string, raw: Buffer): Promise<string> {
  const dir = path.join(dataDir, 'courriels');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.eml`);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, raw);
  await fs.rename(tmp, file);
  return file;
}
