import { TRPCClientError } from '@trpc/client';

/** Error shape of the API (tRPC `error.data`, REST body): see api-contract.md "Errors". */
export interface ApiErrorInfo {
  code: string;
  message: string;
  fieldErrors: Record<string, string[]>;
}

export const OFFLINE_MESSAGE = 'Vous êtes hors ligne. Vérifiez votre connexion, puis réessayez.';
const UNREACHABLE_MESSAGE = 'Le serveur est injoignable. Vérifiez votre connexion, puis réessayez.';
const UNAVAILABLE_MESSAGE = 'Le serveur est momentanément indisponible. Réessayez dans un instant.';

const NETWORK_ERROR = /failed to fetch|networkerror|network error|load failed/i;
const offline = () => typeof navigator !== 'undefined' && navigator.onLine === false;

export function errorInfo(error: unknown): ApiErrorInfo | null {
  if (!error) return null;
  if (error instanceof TRPCClientError && error.data) {
    const data = error.data as { code?: string; fieldErrors?: Record<string, string[]> };
    return {
      code: data.code ?? 'INTERNAL_SERVER_ERROR',
      message: error.message || 'Erreur inattendue.',
      fieldErrors: data.fieldErrors ?? {},
    };
  }
  // No API error shape: the request never reached the API (network down) or something else answered
  // (a proxy's HTML error page, a truncated body). Never show the parser's English message.
  if (error instanceof TRPCClientError) return { code: 'NETWORK', message: transportMessage(error), fieldErrors: {} };
  // Our own errors carry a French message; fetch's TypeError does not.
  if (error instanceof Error)
    return {
      code: 'CLIENT',
      message: NETWORK_ERROR.test(error.message) ? transportMessage(error) : error.message,
      fieldErrors: {},
    };
  return { code: 'CLIENT', message: 'Erreur inattendue.', fieldErrors: {} };
}

function transportMessage(error: Error): string {
  if (offline()) return OFFLINE_MESSAGE;
  return NETWORK_ERROR.test(error.message) ? UNREACHABLE_MESSAGE : UNAVAILABLE_MESSAGE;
}

export const errorMessage = (error: unknown): string => errorInfo(error)?.message ?? '';
export const fieldErrorsOf = (error: unknown): Record<string, string[]> => errorInfo(error)?.fieldErrors ?? {};
export const isUnauthorized = (error: unknown): boolean => errorInfo(error)?.code === 'UNAUTHORIZED';
/** A record that does not exist or that the user may not see (the API answers 404 for both). */
export const isNotFound = (error: unknown): boolean => errorInfo(error)?.code === 'NOT_FOUND';

/** 4xx are final: retrying them only delays the message. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  const code = errorInfo(error)?.code;
  if (code && ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_MANY_REQUESTS'].includes(code))
    return false;
  return failureCount < 2;
}

/** The message plus every field message: for toasts and dialogs that have no fields to point at. */
export function fullErrorMessage(error: unknown): string {
  const info = errorInfo(error);
  if (!info) return '';
  const details = Object.values(info.fieldErrors).flat();
  return [info.message, ...details].filter(Boolean).join(' ');
}
