import { TRPCError } from '@trpc/server';
import type { MessageKey } from '@crm/shared';

type Code =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE';

/**
 * An error the API means to send: a contract code, a message key (translated per request), and
 * optional per-field message keys. Anything else that escapes a procedure becomes a bare 500.
 */
export class ApiError extends TRPCError {
  declare readonly code: Code;
  readonly messageKey: MessageKey;
  readonly fieldErrorKeys?: Record<string, MessageKey[]>;
  readonly headers?: Record<string, string>;
  constructor(
    code: Code,
    messageKey: MessageKey,
    fieldErrorKeys?: Record<string, MessageKey[]>,
    headers?: Record<string, string>,
  ) {
    super({ code, message: messageKey });
    this.messageKey = messageKey;
    this.fieldErrorKeys = fieldErrorKeys;
    this.headers = headers;
  }
}

export const notFound = () => new ApiError('NOT_FOUND', 'error.not_found');
export const forbidden = () => new ApiError('FORBIDDEN', 'error.forbidden');
export const unauthorized = (key: MessageKey = 'error.unauthorized') => new ApiError('UNAUTHORIZED', key);
export const conflict = (key: MessageKey = 'error.conflict', fields?: Record<string, MessageKey[]>) =>
  new ApiError('CONFLICT', key, fields);
export const badRequest = (fields: Record<string, MessageKey[]>, key: MessageKey = 'error.validation') =>
  new ApiError('BAD_REQUEST', key, fields);
export const fieldError = (field: string, key: MessageKey) => badRequest({ [field]: [key] });

/** Seconds a client is told to wait when the database cannot serve it now. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;
export const unavailable = () =>
  new ApiError('SERVICE_UNAVAILABLE', 'error.unavailable', undefined, {
    'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
  });

// Connection refused/reset/lost, connect or answer timeouts, statement timeout (57014), server
// shutting down or refusing connections (57P0x, 53300), connection exceptions (08xxx).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const UNAVAILABLE_MESSAGE =
  /Query read timeout|Connection terminated|timeout exceeded when trying to connect|Timeout acquiring a connection|Connection ended unexpectedly|Client has encountered a connection error/;

/**
 * The database did not serve the request in time or could not be reached: not the caller's fault
 * nor a bug, a 503 with Retry-After. Looks through the ORM's wrapping (`cause`, `previous`).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as any, depth = 0; e && depth < 4; e = e.cause ?? e.previous, depth++) {
    if (
      typeof e.code === 'string' &&
      (UNAVAILABLE_CODES.has(e.code) || (e.code.startsWith('08') && e.code !== '08P01'))
    )
      return true;
    if (e.name === 'KnexTimeoutError' || UNAVAILABLE_MESSAGE.test(String(e.message ?? ''))) return true;
  }
  return false;
}

/** PostgreSQL errors that are the caller's fault map to 4xx; see https://www.postgresql.org/docs/current/errcodes-appendix.html */
export function fromDatabaseError(err: unknown): ApiError | null {
  if (isDatabaseUnavailable(err)) return unavailable();
  const e = err as { code?: string; constraint?: string; detail?: string; message?: string };
  if (!e || typeof e.code !== 'string') return null;
  const constraint = e.constraint ?? '';
  switch (e.code) {
    // Concurrent writers: a deadlock victim or a serialization failure is the caller's cue to retry.
    case '40P01':
    case '40001':
      return conflict();
    case '23505':
      if (constraint.startsWith('clients_email'))
        return conflict('error.email_taken', { email: ['error.email_taken'] });
      if (constraint.startsWith('contacts_email'))
        return conflict('error.contact_email_taken', { email: ['error.contact_email_taken'] });
      if (constraint.startsWith('users_username'))
        return conflict('error.username_taken', { username: ['error.username_taken'] });
      if (constraint.startsWith('users_email')) return conflict('error.email_taken', { email: ['error.email_taken'] });
      return conflict();
    case '23503': {
      // FK name is <table>_<column>_foreign or custom; the column is in the detail: Key (client_id)=(9) ...
      const col = /Key \((\w+)\)/.exec(e.detail ?? '')?.[1];
      const field = col ? snakeToField(col) : 'nonFieldErrors';
      if (/is still referenced/.test(e.detail ?? '')) return conflict();
      return badRequest({ [field]: ['err.not_found_ref'] });
    }
    case '23514':
      if (constraint === 'projets_dates_order') return badRequest({ dateFin: ['err.date_fin_order'] });
      return badRequest({ nonFieldErrors: ['err.invalid'] });
    case '23502':
      return badRequest({ nonFieldErrors: ['err.required'] });
    case '22001':
      return badRequest({ nonFieldErrors: ['err.too_long'] });
    case '08P01':
      // A NUL in a value (the statement is sent with its values inlined, and PostgreSQL text cannot
      // hold NUL): the shared text schemas strip it, this is the fallback for other string inputs.
      return /invalid message format/.test(e.message ?? '') ? badRequest({ nonFieldErrors: ['err.invalid'] }) : null;
    case '22021': // invalid byte sequence (NUL, bad UTF-8)
    case '22P05': // the same inside jsonb
    case '22P02':
    case '22003':
    case '22007':
    case '22008':
      return badRequest({ nonFieldErrors: ['err.invalid'] });
    default:
      return null;
  }
}

const FIELD_BY_COLUMN: Record<string, string> = {
  client_id: 'client',
  projet_id: 'projet',
  opportunite_id: 'opportunite',
  assigne_a_id: 'assigneA',
  responsable_id: 'responsable',
  devis_associe_id: 'devisAssocie',
  contact_id: 'contact',
  auteur_id: 'auteur',
};
function snakeToField(col: string): string {
  return FIELD_BY_COLUMN[col] ?? col.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
