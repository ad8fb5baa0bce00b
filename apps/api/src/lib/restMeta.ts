/**
 * What a REST operation answers, declared once beside the procedure (tRPC `.meta({...})`) or the
 * plain route (`openApi(path, { get: { ..., errors } })`). The runtime reads `successStatus` to
 * set the HTTP status (trpc/middlewares/successStatus.ts); the OpenAPI document (openapiDoc.ts) reads all of it; the test
 * suite checks every REST answer against the document. See the top of openapiDoc.ts.
 */

/** The contract's error codes (`{ code, message, fieldErrors }`), with their HTTP status. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  REQUEST_HEADER_FIELDS_TOO_LARGE: 431,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** A declared error's French "when", and the headers that answer carries (OpenAPI header objects), if any. */
export type ErrorReason = string | { description: string; headers: Record<string, unknown> };
/** Error statuses an operation declares beyond the derived ones, as a list or with a French "when". */
export type DeclaredErrors = ErrorStatus[] | Partial<Record<ErrorStatus, ErrorReason>>;

export interface RestMeta {
  /** HTTP status of a successful REST answer (default 200). A 204 answer has no body. */
  successStatus?: 200 | 201 | 204;
  /**
   * Error statuses this operation can answer that are not derived from its shape (see the top of
   * openapiDoc.ts for the derived ones), or derived ones with a specific reason.
   */
  errors?: DeclaredErrors;
  /** Other statuses answered with the success body (health: 503 with the same report). */
  sameBodyStatuses?: Partial<Record<number, string>>;
}

export function declaredErrors(errors: DeclaredErrors | undefined): Map<number, ErrorReason | undefined> {
  const out = new Map<number, ErrorReason | undefined>();
  if (Array.isArray(errors)) for (const s of errors) out.set(s, undefined);
  else for (const [s, d] of Object.entries(errors ?? {})) out.set(Number(s), d);
  return out;
}
