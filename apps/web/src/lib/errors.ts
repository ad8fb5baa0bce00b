import { TRPCClientError } from '@trpc/client';

/** Error shape of the API (tRPC `error.data`, REST body): see api-contract.md "Errors". */
export interface ApiErrorInfo {
  code: string;
  message: string;
  fieldErrors: Record<string, string[]>;
}

export function errorInfo(error: unknown): ApiErrorInfo | null {
  if (!error) return null;
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as { code?: string; fieldErrors?: Record<string, string[]> };
    return { code: data.code ?? 'INTERNAL_SERVER_ERROR', message: error.message || 'Erreur inattendue.', fieldErrors: data.fieldErrors ?? {} };
  }
  if (error instanceof Error) return { code: 'CLIENT', message: networkMessage(error), fieldErrors: {} };
  return { code: 'CLIENT', message: 'Erreur inattendue.', fieldErrors: {} };
}

function networkMessage(error: Error): string {
  return /fetch|network/i.test(error.message) ? 'Le serveur est injoignable. Vérifiez votre connexion.' : error.message;
}

export const errorMessage = (error: unknown): string => errorInfo(error)?.message ?? '';
export const fieldErrorsOf = (error: unknown): Record<string, string[]> => errorInfo(error)?.fieldErrors ?? {};
export const isUnauthorized = (error: unknown): boolean => errorInfo(error)?.code === 'UNAUTHORIZED';

/** 4xx are final: retrying them only delays the message. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  const code = errorInfo(error)?.code;
  if (code && ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_MANY_REQUESTS'].includes(code)) return false;
  return failureCount < 2;
}

/** The message plus every field message: for toasts and dialogs that have no fields to point at. */
export function fullErrorMessage(error: unknown): string {
  const info = errorInfo(error);
  if (!info) return '';
  const details = Object.values(info.fieldErrors).flat();
  return [info.message, ...details].filter(Boolean).join(' ');
}
