import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
// Type only: consumers get every procedure's input and output types, no server code is bundled.
import type { AppRouter } from '@crm/api/router';

export type { AppRouter };
export type CrmInputs = inferRouterInputs<AppRouter>;
export type CrmOutputs = inferRouterOutputs<AppRouter>;
export type CrmUser = CrmOutputs['auth']['login']['user'];

export interface CrmTokens {
  access: string;
  refresh?: string;
}

export interface CrmClientOptions {
  /** The API's origin, e.g. `http://127.0.0.1:3000` (no trailing `/trpc` or `/api`). */
  baseUrl: string;
  /** An access token to start with (a refresh token may be given with `setTokens`). */
  token?: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Language of error messages: `fr` (default) or `en`. */
  lang?: 'fr' | 'en';
  /** Called whenever `login` or an automatic refresh yields new tokens (to persist them). */
  onTokens?: (tokens: CrmTokens | undefined) => void;
}

/** The contract's error body (`{ code, message, fieldErrors }`). */
export interface CrmErrorBody {
  code: string;
  message: string;
  fieldErrors: Record<string, string[]>;
}

/** A REST call of the helpers (login, logout, refresh) answered with an error status. */
export class CrmApiError extends Error implements CrmErrorBody {
  readonly code: string;
  readonly fieldErrors: Record<string, string[]>;
  constructor(readonly status: number, body: Partial<CrmErrorBody>) {
    super(body.message ?? `HTTP ${status}`);
    this.name = 'CrmApiError';
    this.code = body.code ?? 'INTERNAL_SERVER_ERROR';
    this.fieldErrors = body.fieldErrors ?? {};
  }
}

/** A procedure call's error: `err.data.code` is the contract code, `err.data.httpStatus`, `err.data.fieldErrors`. */
export type CrmError = TRPCClientError<AppRouter>;
export function isCrmError(err: unknown): err is CrmError {
  return err instanceof TRPCClientError;
}

export interface CrmHelpers {
  /** Logs in over REST (`POST /api/auth/login/`), keeps the access/refresh pair, returns the user. */
  login(username: string, password: string): Promise<CrmUser>;
  /** Revokes the session (`POST /api/auth/logout/`) and forgets the tokens. */
  logout(): Promise<void>;
  /** Trades the refresh token for a new pair; false (tokens forgotten) when it is refused. */
  refresh(): Promise<boolean>;
  tokens(): CrmTokens | undefined;
  setTokens(tokens: CrmTokens | undefined): void;
}

/** Typed tRPC client (`crm.clients.list.query(…)`) plus the auth helpers (`crm.login(…)`). */
export type CrmClient = TRPCClient<AppRouter> & CrmHelpers;

/**
 * A typed client of the CRM API: every procedure over tRPC (`${baseUrl}/trpc`, batched), with the
 * Bearer access token. When a call is refused with 401 and a refresh token is known, the pair is
 * refreshed once (one refresh at a time: refresh tokens are single use) and the call retried.
 */
export function createCrmClient(options: CrmClientOptions): CrmClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  let tokens: CrmTokens | undefined = options.token ? { access: options.token } : undefined;
  let refreshing: Promise<boolean> | undefined;

  const setTokens = (t: CrmTokens | undefined) => {
    tokens = t;
    options.onTokens?.(t);
  };

  const headers = (withAuth = true): Record<string, string> => ({
    ...(options.lang ? { 'accept-language': options.lang } : {}),
    ...(withAuth && tokens ? { authorization: `Bearer ${tokens.access}` } : {}),
  });

  async function rest<T>(path: string, body: unknown, auth = false): Promise<{ status: number; data: T }> {
    const res = await fetchImpl(`${baseUrl}/api${path}`, {
      method: 'POST',
      headers: { ...headers(auth), 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new CrmApiError(res.status, data ?? {});
    return { status: res.status, data: data as T };
  }

  function refresh(): Promise<boolean> {
    refreshing ??= (async () => {
      const presented = tokens?.refresh;
      if (!presented) return false;
      try {
        const { data } = await rest<{ access: string; refresh: string }>('/auth/refresh/', { refresh: presented });
        setTokens({ access: data.access, refresh: data.refresh });
        return true;
      } catch (err) {
        if (err instanceof CrmApiError && err.status === 401) setTokens(undefined);
        return false;
      }
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  /** tRPC's fetch: adds the current Bearer token; on 401, refreshes once and retries. */
  const authedFetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const send = () => fetchImpl(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers() } });
    const sentWith = tokens?.access;
    const res = await send();
    if (res.status !== 401 || !tokens?.refresh) return res;
    // Another call may have refreshed already while this one was in flight.
    const fresh = tokens.access !== sentWith || (await refresh());
    return fresh ? send() : res;
  };

  const trpc = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${baseUrl}/trpc`, fetch: authedFetch as typeof fetch })],
  });

  const helpers: CrmHelpers = {
    async login(username, password) {
      const { data } = await rest<{ access: string; refresh: string; user: CrmUser }>('/auth/login/', { username, password });
      setTokens({ access: data.access, refresh: data.refresh });
      return data.user;
    },
    async logout() {
      if (!tokens) return;
      try {
        await rest('/auth/logout/', {}, true);
      } finally {
        setTokens(undefined);
      }
    },
    refresh,
    tokens: () => tokens,
    setTokens,
  };

  // The tRPC client is a proxy answering any property as a procedure path: helpers come first.
  return new Proxy(trpc as object, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && Object.prototype.hasOwnProperty.call(helpers, prop)) return helpers[prop as keyof CrmHelpers];
      return Reflect.get(target, prop, receiver);
    },
  }) as CrmClient;
}
