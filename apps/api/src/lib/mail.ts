import nodemailer, { type Transporter } from 'nodemailer';
import type { AppConfig } from '../config.js';

/** Outgoing mail through SMTP (config.smtp: SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASS, SMTP_FROM). */

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  replyTo?: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export class MailSendError extends Error {
  constructor(readonly cause: unknown) {
    super(`SMTP send failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'MailSendError';
  }
}

type SmtpConfig = AppConfig['smtp'];

/** One pooled transport per SMTP configuration object (i.e. per app instance). */
const transports = new WeakMap<SmtpConfig, Transporter>();

function transportFor(smtp: SmtpConfig): Transporter {
  let transport = transports.get(smtp);
  if (!transport) {
    transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
      // A dead SMTP server must not hold a request (and its transaction) for minutes.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    transports.set(smtp, transport);
  }
  return transport;
}

/** Sends one message; any SMTP failure (refused connection, rejected recipient…) is a MailSendError. */
export async function sendMail(smtp: SmtpConfig, message: MailMessage): Promise<{ messageId: string }> {
  try {
    const info = await transportFor(smtp).sendMail({ from: smtp.from, ...message });
    return { messageId: info.messageId };
  } catch (err) {
    throw new MailSendError(err);
  }
}
