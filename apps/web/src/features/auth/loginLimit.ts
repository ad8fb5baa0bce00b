/**
 * The login lockout in French words (loaded on the first failed login, see LoginPage), from the
 * API's answer: 429 says how long to wait (`Retry-After`, seconds); a failed login says how many
 * failures remain (`RateLimit-Remaining`), worth a warning near the end. No imports: this chunk
 * shares nothing with the login page's first load.
 */
/** What a failed `auth.login` call rejects with (a TRPCClientError, read without importing it). */
interface LoginError {
  message?: string;
  data?: { code?: string } | null;
  meta?: { response?: { headers?: { get(name: string): string | null } } };
}

/** Past the last failures the API refuses logins for a while: how long, in French words. */
export function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} seconde${seconds > 1 ? 's' : ''}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes > 1 ? 's' : ''}`;
}

export function loginLimitMessage(error: unknown): string | null {
  const e = (error ?? {}) as LoginError;
  const code = e.data?.code;
  const headers = e.meta?.response?.headers;
  if (code === 'TOO_MANY_REQUESTS') {
    const seconds = Number(headers?.get('retry-after'));
    return Number.isFinite(seconds) && seconds > 0 ? `Trop de tentatives. Réessayez dans ${waitText(seconds)}.` : null;
  }
  const remaining = headers?.get('ratelimit-remaining');
  if (code !== 'UNAUTHORIZED' || remaining == null || remaining === '' || Number(remaining) > 2) return null;
  const n = Number(remaining);
  const warning =
    n === 0
      ? 'Dernière tentative échouée : la connexion est maintenant bloquée pour quelques minutes.'
      : `Il vous reste ${n} tentative${n > 1 ? 's' : ''} avant le blocage temporaire de la connexion.`;
  return `${e.message ?? ''} ${warning}`.trim();
}
