import type { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { ApiError } from '../lib/errors.js';
import { translate, zodFieldErrors, type Lang } from '../lib/i18n.js';
import type { ErrorCode } from '../lib/restMeta.js';

/** The contract's error fields, computed once per error for both tRPC and REST answers. */
export function contractError(
  error: TRPCError,
  lang: Lang,
): { code: ErrorCode; message: string; fieldErrors: Record<string, string[]> } {
  if (error.cause instanceof ZodError) {
    return {
      code: 'BAD_REQUEST',
      message: translate(lang, 'error.validation'),
      fieldErrors: zodFieldErrors(lang, error.cause.issues),
    };
  }
  if (error instanceof ApiError) {
    const fieldErrors: Record<string, string[]> = {};
    for (const [f, keys] of Object.entries(error.fieldErrorKeys ?? {}))
      fieldErrors[f] = keys.map((k) => translate(lang, k));
    return { code: error.code, message: translate(lang, error.messageKey), fieldErrors };
  }
  switch (error.code) {
    case 'PARSE_ERROR':
    case 'BAD_REQUEST':
      return { code: 'BAD_REQUEST', message: translate(lang, 'error.bad_request'), fieldErrors: {} };
    case 'UNAUTHORIZED':
      return { code: 'UNAUTHORIZED', message: translate(lang, 'error.unauthorized'), fieldErrors: {} };
    case 'FORBIDDEN':
      return { code: 'FORBIDDEN', message: translate(lang, 'error.forbidden'), fieldErrors: {} };
    case 'NOT_FOUND':
      return { code: 'NOT_FOUND', message: translate(lang, 'error.not_found'), fieldErrors: {} };
    case 'CONFLICT':
      return { code: 'CONFLICT', message: translate(lang, 'error.conflict'), fieldErrors: {} };
    case 'TOO_MANY_REQUESTS':
      return { code: 'TOO_MANY_REQUESTS', message: translate(lang, 'error.too_many_requests'), fieldErrors: {} };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return {
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: translate(lang, 'error.unsupported_media_type'),
        fieldErrors: {},
      };
    case 'METHOD_NOT_SUPPORTED':
      return { code: 'METHOD_NOT_SUPPORTED', message: translate(lang, 'error.method_not_supported'), fieldErrors: {} };
    default:
      return { code: 'INTERNAL_SERVER_ERROR', message: translate(lang, 'error.internal'), fieldErrors: {} };
  }
}
