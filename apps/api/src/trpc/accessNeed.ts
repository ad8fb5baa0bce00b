import { API_KEY_FAMILIES, type ApiKeyAccess } from '@crm/shared';

/**
 * What a request needs from an API key: the resource family (first segment of the procedure's
 * path) and read or write access, and how many rate-limit tokens it costs. Without a need, API
 * keys are refused (account management, and any route that did not say what it needs).
 */
export interface AccessNeed {
  family: string;
  access: ApiKeyAccess;
  cost?: number;
}

/** Heavier endpoints take more of the caller's rate-limit bucket. */
function requestCost(path: string): number {
  // Starting an import or analysing it again is heavy; following its progress (imports.get, polled) is not.
  if (/(^|\.)export/.test(path) || path === 'imports.valider' || path === 'imports.patch') return 10;
  if (path.startsWith('recherche.')) return 3;
  return 1;
}

/** The need of a tRPC procedure: its family and `lecture` for queries, `ecriture` for mutations. */
export function procedureNeed(path: string, type: string): AccessNeed | undefined {
  const family = path.split('.')[0];
  const cost = requestCost(path);
  // Who the key acts as is readable with any key; the rest of `auth` (sessions, password) is not for keys.
  if (path === 'auth.user') return { family: '*', access: 'lecture', cost };
  if (!(API_KEY_FAMILIES as readonly string[]).includes(family)) return undefined;
  return { family, access: type === 'mutation' ? 'ecriture' : 'lecture', cost };
}
