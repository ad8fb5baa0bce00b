import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiFetch, readCookie, setSessionLostHandler } from './http';

const json = (status: number) => new Response('{}', { status, headers: { 'content-type': 'application/json' } });

describe('apiFetch', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  let lost: ReturnType<typeof vi.fn<() => void>>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    lost = vi.fn<() => void>();
    setSessionLostHandler(lost);
    document.cookie = 'csrftoken=tok1';
  });
  afterEach(() => vi.unstubAllGlobals());

  it('sends cookies, the CSRF header and asks for French messages', async () => {
    fetchMock.mockResolvedValueOnce(json(200));
    await apiFetch('/trpc/clients.list', { method: 'POST' });
    const [, init] = fetchMock.mock.calls[0];
    expect(init.credentials).toBe('include');
    expect(new Headers(init.headers).get('X-CSRFToken')).toBe('tok1');
    expect(new Headers(init.headers).get('Accept-Language')).toBe('fr');
  });

  it('on 401 refreshes once, then retries with the new CSRF token', async () => {
    fetchMock.mockImplementation(async (url: string) => {
      if (url === '/api/auth/refresh/') {
        document.cookie = 'csrftoken=tok2';
        return json(200);
      }
      return fetchMock.mock.calls.filter(([u]) => u === url).length === 1 ? json(401) : json(200);
    });
    const res = await apiFetch('/trpc/clients.list');
    expect(res.status).toBe(200);
    expect(fetchMock.mock.calls.map(([u]) => u)).toEqual([
      '/trpc/clients.list',
      '/api/auth/refresh/',
      '/trpc/clients.list',
    ]);
    expect(new Headers(fetchMock.mock.calls[2][1].headers).get('X-CSRFToken')).toBe('tok2');
    expect(lost).not.toHaveBeenCalled();
  });

  it('shares one refresh between concurrent 401s (the refresh token is single-use)', async () => {
    let refreshes = 0;
    fetchMock.mockImplementation(async (url: string) => {
      if (url === '/api/auth/refresh/') {
        refreshes++;
        await new Promise((r) => setTimeout(r, 10));
        return json(200);
      }
      return fetchMock.mock.calls.filter(([u]) => u === url).length === 1 ? json(401) : json(200);
    });
    const [a, b] = await Promise.all([apiFetch('/trpc/a'), apiFetch('/trpc/b')]);
    expect([a.status, b.status, refreshes]).toEqual([200, 200, 1]);
  });

  it('reports a lost session when the refresh fails, and never refreshes a failed login', async () => {
    fetchMock.mockResolvedValue(json(401));
    expect((await apiFetch('/trpc/dashboard.stats')).status).toBe(401);
    expect(lost).toHaveBeenCalledTimes(1);
    fetchMock.mockClear();
    await apiFetch('/trpc/auth.login?batch=1', { method: 'POST' });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(lost).toHaveBeenCalledTimes(1);
  });
});

describe('readCookie', () => {
  it('finds a cookie by name and decodes it', () => {
    expect(readCookie('csrftoken', 'a=1; csrftoken=x%3Dy; b=2')).toBe('x=y');
    expect(readCookie('missing', 'a=1')).toBeUndefined();
  });
});
