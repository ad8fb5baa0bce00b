import type { AuthUser } from '../auth/sessions.js';
import { type AnswerCache, paramsKey } from '../lib/answerCache.js';
import { seesAll } from './visibility.js';

/** The visibility scope part of a key: admins and managers share one, a commercial has their own. */
export function visibilityScope(user: AuthUser): string {
  return seesAll(user) ? 'all' : `user:${user.id}`;
}

/** Caches `compute()` under (endpoint, the user's visibility scope, params). */
export function cachedForUser<T>(
  cache: AnswerCache,
  user: AuthUser,
  endpoint: string,
  params: Record<string, unknown>,
  compute: () => Promise<T>,
): Promise<T> {
  return cache.getOrCompute(`${endpoint}:${visibilityScope(user)}:${paramsKey(params)}`, compute);
}
