import { withCrossTabLock } from './crossTabLock';

/**
 * fetch for the SPA: cookies always sent, CSRF header added, and one transparent token refresh
 * when the server answers 401. The access cookie lives 15 minutes; the refresh cookie is
 * single-use and shared by every tab, so refreshes are serialised across tabs (a second refresh
 * with the same token would be taken for theft and revoke the session).
 */
export const CSRF_COOKIE = 'csrftoken';
const REFRESH_URL = '/api/auth/refresh/';

export function readCookie(
  name: string,
  cookieString = typeof document === 'undefined' ? '' : document.cookie,
): string | undefined {
  for (const part of cookieString.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export function withCsrf(init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  // The UI is French whatever the browser's language: ask for French error messages.
  if (!headers.has('Accept-Language')) headers.set('Accept-Language', 'fr');
  const token = readCookie(CSRF_COOKIE);
  if (token) headers.set('X-CSRFToken', token);
  return { ...init, headers, credentials: 'include' };
}

let refreshing: Promise<boolean> | null = null;
const REFRESHED_AT = 'crm:auth-refreshed-at';

function lastRefresh(): number {
  try {
    return Number(localStorage.getItem(REFRESHED_AT)) || 0;
  } catch {
    return 0;
  }
}

function noteRefresh(): void {
  try {
    localStorage.setItem(REFRESHED_AT, String(Date.now()));
  } catch {
    /* storage disabled: other tabs will refresh by themselves */
  }
}

/**
 * One refresh at a time in this tab and across tabs; resolves to whether the session could be
 * renewed. `sentAt`: when the refused request left. Once the lock is ours, a refresh finished
 * by another tab after that moment means the cookies are already new: just retry.
 */
export function refreshSession(sentAt = 0): Promise<boolean> {
  refreshing ??= withCrossTabLock('crm-auth-refresh', async () => {
    if (lastRefresh() > sentAt) return true;
    const ok = await fetch(REFRESH_URL, withCsrf({ method: 'POST', headers: { 'content-type': 'application/json' } }))
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) noteRefresh();
    return ok;
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** URLs for which a 401 means "wrong credentials", not "expired session". */
const NO_REFRESH = /auth\.(login|refresh)|\/api\/auth\/(login|refresh)/;

/** `expired`: there was a session (its CSRF cookie was there), as opposed to a visitor never logged in. */
export type SessionLostHandler = (info: { expired: boolean }) => void;
let onSessionLost: SessionLostHandler = () => {};
/** Called when a 401 survives the refresh: the app sends the user to the login page. */
export function setSessionLostHandler(fn: SessionLostHandler): void {
  onSessionLost = fn;
}

export async function apiFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const sentAt = Date.now();
  const res = await fetch(input, withCsrf(init));
  if (res.status !== 401 || NO_REFRESH.test(url)) return res;
  const expired = readCookie(CSRF_COOKIE) !== undefined;
  if (!(await refreshSession(sentAt))) {
    onSessionLost({ expired });
    return res;
  }
  // The refresh set a new csrftoken cookie: rebuild the headers.
  const retried = await fetch(input, withCsrf(init));
  if (retried.status === 401) onSessionLost({ expired });
  return retried;
}
