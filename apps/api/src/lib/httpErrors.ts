import http from 'node:http';
import type { Socket } from 'node:net';
import type { MessageKey } from '@crm/shared';
import { translate, type Lang } from './i18n.js';

/**
 * Contract-shaped bodies `{ code, message, fieldErrors }` for answers produced outside the
 * procedures: the HTTP parser (431, malformed requests), Fastify (413, 415, bad URLs), routing
 * (404, 405) and our own guards (414).
 */
const BY_STATUS: Record<number, [string, MessageKey]> = {
  400: ['BAD_REQUEST', 'error.bad_request'],
  404: ['NOT_FOUND', 'error.not_found'],
  405: ['METHOD_NOT_SUPPORTED', 'error.method_not_supported'],
  408: ['TIMEOUT', 'error.bad_request'],
  413: ['PAYLOAD_TOO_LARGE', 'error.payload_too_large'],
  414: ['URI_TOO_LONG', 'error.uri_too_long'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'error.unsupported_media_type'],
  431: ['REQUEST_HEADER_FIELDS_TOO_LARGE', 'error.headers_too_large'],
};

export function httpErrorBody(
  status: number,
  lang: Lang,
): { code: string; message: string; fieldErrors: Record<string, string[]> } {
  const [code, key] =
    BY_STATUS[status] ?? (status < 500 ? BY_STATUS[400] : ['INTERNAL_SERVER_ERROR', 'error.internal']);
  return { code, message: translate(lang, key), fieldErrors: {} };
}

/** Longest request target served; longer ones get 414 (beyond Node's 16 KB header limit the parser answers 431). */
export const MAX_URL_LENGTH = 8_192;

/**
 * Fastify's `clientErrorHandler`: a request Node could not parse never reaches a route, so it is
 * answered on the raw socket, in the contract shape (French: no headers were read to choose).
 * A request line that never ended (no CRLF before the limit) is a too-long URI: 414.
 */
export function answerClientError(err: { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') status = 408;
  else if (err.code === 'HPE_HEADER_OVERFLOW')
    status = Buffer.isBuffer(err.rawPacket) && !err.rawPacket.includes('\r\n') ? 414 : 431;
  const body = JSON.stringify(httpErrorBody(status, 'fr'));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
