import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient, type TRPCLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { observable } from '@trpc/server/observable';
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
  /**
   * An API key (`crm_…`, created in « Intégrations »): sent as `Authorization: Bearer`, never
   * refreshed. Takes precedence over tokens.
   */
  apiKey?: string;
  /** How many times a call refused with 429 (or a query with 503) is retried after `Retry-After`. Default 4. */
  retries?: number;
  /** Longest wait honoured for one retry, in ms (default 30 s); a longer `Retry-After` fails the call. */
  maxRetryDelayMs?: number;
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
  constructor(
    readonly status: number,
    body: Partial<CrmErrorBody>,
  ) {
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

/**
 * Any error of this client as the contract's body plus the HTTP status: procedure errors
 * (`CrmError`), REST helper errors (`CrmApiError`), and network failures (status 0,
 * `NETWORK_ERROR`). Lets a caller handle every failure with one `switch (e.code)`.
 */
export function crmErrorOf(err: unknown): CrmErrorBody & { status: number } {
  if (err instanceof CrmApiError)
    return { status: err.status, code: err.code, message: err.message, fieldErrors: err.fieldErrors };
  if (isCrmError(err) && err.data) {
    return {
      status: err.data.httpStatus,
      code: err.data.code,
      message: err.message,
      fieldErrors: err.data.fieldErrors ?? {},
    };
  }
  return {
    status: 0,
    code: 'NETWORK_ERROR',
    message: err instanceof Error ? err.message : String(err),
    fieldErrors: {},
  };
}

/**
 * Batched GETs carry their inputs in the URL: past this length a batch is split (servers and
 * proxies refuse long URLs with 414), so any number of parallel calls works.
 */
export const MAX_URL_LENGTH = 2_000;

/** Seconds of a `Retry-After` header (delta-seconds or HTTP date) in ms, or undefined. */
function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Retries a call refused for load: 429 (the rate limit refuses before running anything, so any
 * call may be sent again) and, for queries only (idempotent), 503. Waits what `Retry-After` says
 * (else 0.5 s, 1 s, 2 s…), at most `maxDelayMs` per wait.
 */
function retryOnLoadLink(retries: number, maxDelayMs: number): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let attempt = 0;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let sub: { unsubscribe(): void } | undefined;
        const run = () => {
          sub = next(op).subscribe({
            next: (v) => observer.next(v),
            complete: () => observer.complete(),
            error: (err) => {
              const status = err.data?.httpStatus;
              const retryable = status === 429 || (status === 503 && op.type === 'query');
              const meta = err.meta as { response?: { headers?: { get(name: string): string | null } } } | undefined;
              const wait = retryAfterMs(meta?.response?.headers?.get('retry-after')) ?? 500 * 2 ** attempt;
              if (!retryable || attempt >= retries || wait > maxDelayMs) return observer.error(err);
              attempt++;
              timer = setTimeout(run, wait);
            },
          });
        };
        run();
        return () => {
          clearTimeout(timer);
          sub?.unsubscribe();
        };
      });
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
 * A typed client of the CRM API: every procedure over tRPC (`${baseUrl}/trpc`, batched, batches
 * split to keep URLs short), with an API key or the Bearer access token. When a call is refused
 * with 401 and a refresh token is known, the pair is refreshed once (one refresh at a time: refresh
 * tokens are single use) and the call retried; calls refused for load (429, 503) are retried after
 * `Retry-After`.
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

  const bearer = () => options.apiKey ?? tokens?.access;
  const headers = (withAuth = true): Record<string, string> => ({
    ...(options.lang ? { 'accept-language': options.lang } : {}),
    ...(withAuth && bearer() ? { authorization: `Bearer ${bearer()}` } : {}),
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
    const send = () =>
      fetchImpl(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers() } });
    const sentWith = tokens?.access;
    const res = await send();
    if (res.status !== 401 || options.apiKey || !tokens?.refresh) return res;
    // Another call may have refreshed already while this one was in flight.
    const fresh = tokens.access !== sentWith || (await refresh());
    return fresh ? send() : res;
  };

  const trpc = createTRPCClient<AppRouter>({
    links: [
      retryOnLoadLink(options.retries ?? 4, options.maxRetryDelayMs ?? 30_000),
      httpBatchLink({
        url: `${baseUrl}/trpc`,
        fetch: authedFetch as typeof fetch,
        maxURLLength: MAX_URL_LENGTH,
        maxItems: 100,
      }),
    ],
  });

  const helpers: CrmHelpers = {
    async login(username, password) {
      const { data } = await rest<{ access: string; refresh: string; user: CrmUser }>('/auth/login/', {
        username,
        password,
      });
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
      if (typeof prop === 'string' && Object.hasOwn(helpers, prop)) return helpers[prop as keyof CrmHelpers];
      return Reflect.get(target, prop, receiver);
    },
  }) as CrmClient;
}
