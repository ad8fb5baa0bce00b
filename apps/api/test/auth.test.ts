import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { PASSWORD, startTestApp, type TestApp } from './helpers.js';
import { hashPassword, verifyPassword } from '../src/auth/passwords.js';

/**
 * Authentication as the contract says: login (username or e-mail), cookies, refresh rotation with
 * reuse detection, logout, password change, and every kind of bad token refused.
 */

let t: TestApp;
const JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';
const USER_FIELDS = [
  'dateCreation',
  'departement',
  'email',
  'firstName',
  'id',
  'isActive',
  'isAdmin',
  'isStaff',
  'lastName',
  'role',
  'telephone',
  'username',
];
let ipCounter = 0;
/** Each test logs in from its own address so failures here never reach the per-IP login limit. */
const freshIp = () => `10.1.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

function request(
  method: string,
  url: string,
  opts: { body?: unknown; headers?: Record<string, string>; ip?: string } = {},
) {
  return t.app.inject({
    method: method as any,
    url,
    remoteAddress: opts.ip ?? freshIp(),
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    payload: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
}

const login = (username: string, password = PASSWORD, ip?: string) =>
  request('POST', '/api/auth/login/', { body: { username, password }, ip });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const me = (headers: Record<string, string>) => request('GET', '/api/auth/user/', { headers });

function cookiesOf(res: LightMyRequestResponse): Record<string, string> {
  return Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
}
const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

async function audits(action: string, userId?: number): Promise<any[]> {
  return t.sql(
    `select * from audit_log where action = ? ${userId ? 'and user_id = ?' : ''} order by id`,
    userId ? [action, userId] : [action],
  );
}

describe('login', () => {
  let id: number;
  beforeAll(async () => {
    id = await t.user('claire', 'manager', { email: 'Claire.Martin@Example.fr' });
  });

  it('accepts the username or the e-mail (any case): 200 { access, refresh, user } with exactly the contract user fields', async () => {
    for (const name of ['claire', 'CLAIRE', 'claire.martin@example.fr', 'Claire.Martin@EXAMPLE.FR']) {
      const res = await login(name);
      expect(res.statusCode, name).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['access', 'refresh', 'user']);
      expect(Object.keys(body.user).sort()).toEqual(USER_FIELDS);
      expect(body.user).toMatchObject({
        id,
        username: 'claire',
        role: 'manager',
        isStaff: true,
        isAdmin: false,
        isActive: true,
      });
      expect(body.user.dateCreation).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
      expect(res.body).not.toMatch(/argon2|password|hash/i);
    }
    expect((await audits('login', id)).length).toBeGreaterThanOrEqual(4);
  });

  it('stores the password with argon2id', async () => {
    // The users of these tests are inserted with a cheap hash (helpers.ts); what the app stores
    // (user creation, password change, create-admin) is auth/passwords.ts's, at the OWASP cost.
    const stored = await hashPassword(PASSWORD);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, PASSWORD)).toBe(true);
    expect(await verifyPassword(stored, 'autre')).toBe(false);
  });

  it('sets httpOnly SameSite=Lax cookies, a refresh cookie scoped to /api/auth/, a readable csrftoken, no Secure in tests', async () => {
    const res = await login('claire');
    const byName = Object.fromEntries(res.cookies.map((c) => [c.name, c]));
    expect(byName.crm_access).toMatchObject({
      value: res.json().access,
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: 900,
    });
    expect(byName.crm_refresh).toMatchObject({
      value: res.json().refresh,
      path: '/api/auth/',
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: 7 * 24 * 3600,
    });
    expect(byName.csrftoken).toMatchObject({ path: '/', sameSite: 'Lax' });
    expect(byName.csrftoken.httpOnly).toBeFalsy();
    expect(byName.csrftoken.value.length).toBeGreaterThanOrEqual(32);
    for (const c of res.cookies) expect(c.secure, c.name).toBeFalsy();
  });

  it('access token: a 15-minute HS256 JWT naming the session, usable as Bearer and as cookie', async () => {
    const body = (await login('claire')).json();
    const claims = decodeJwt(body.access);
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    expect(claims.sub).toBe(String(id));
    expect(typeof claims.sid).toBe('string');
    expect((await me(bearer(body.access))).json()).toMatchObject({ id, username: 'claire' });
    const viaCookie = await me({ cookie: `crm_access=${body.access}` });
    expect(viaCookie.statusCode).toBe(200);
    expect(Object.keys(viaCookie.json()).sort()).toEqual(USER_FIELDS);
  });

  it('answers 401 with one identical message for a wrong password, an unknown user and an inactive user', async () => {
    await t.user('dormant', 'commercial', { isActive: false });
    const answers = [
      await login('claire', 'wrong-password-123'),
      await login('nobody-here'),
      await login('dormant'),
      await login('claire.martin@example.fr', 'nope'),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'UNAUTHORIZED', message: 'Identifiants invalides.', fieldErrors: {} });
      expect(res.cookies).toEqual([]);
    }
    const en = await request('POST', '/api/auth/login/', {
      body: { username: 'claire', password: 'x' },
      headers: { 'accept-language': 'en' },
    });
    expect(en.json()).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid credentials.', fieldErrors: {} });
    const failed = await t.sql(`select user_id, details from audit_log where action = 'login_failed' order by id`);
    expect(failed.map((f) => f.details.username)).toEqual(expect.arrayContaining(['claire', 'nobody-here', 'dormant']));
    expect(failed.find((f) => f.details.username === 'nobody-here').user_id).toBeNull();
  });

  it('validates the body: 400 naming the missing fields', async () => {
    const res = await request('POST', '/api/auth/login/', { body: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { username: ['Ce champ est obligatoire.'], password: ['Ce champ est obligatoire.'] },
    });
  });
});

describe('tokens that must be refused', () => {
  let id: number;
  let access: string;
  let sid: string;
  const key = new TextEncoder().encode(JWT_SECRET);
  beforeAll(async () => {
    id = await t.user('tokenuser');
    access = (await login('tokenuser')).json().access;
    sid = decodeJwt(access).sid as string;
  });
  const sign = (claims: Record<string, unknown>, secret = key, exp: number | string = '15m', sub = String(id)) =>
    new SignJWT({ sid, typ: 'access', ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(secret);

  async function expectRefused(token: string) {
    for (const res of [await me(bearer(token)), await me({ cookie: `crm_access=${token}` })]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED', fieldErrors: {} });
    }
  }

  it('accepts a well-formed token of a live session (control)', async () => {
    expect((await me(bearer(await sign({})))).statusCode).toBe(200);
  });
  it('refuses an expired JWT', async () => {
    await expectRefused(await sign({}, key, Math.floor(Date.now() / 1000) - 1));
  });
  it('refuses a tampered JWT (payload changed, signature kept)', async () => {
    const [h, p, s] = access.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: '1' })).toString('base64url');
    await expectRefused(`${h}.${forged}.${s}`);
    await expectRefused(`${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`);
  });
  it('refuses a JWT signed with another secret, and an unsigned (alg none) one', async () => {
    await expectRefused(await sign({}, new TextEncoder().encode('another-secret-that-is-long-enough-xxxxxxxx')));
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${access.split('.')[1]}.`;
    await expectRefused(none);
  });
  it('refuses a JWT for another user than the session’s, or of another type', async () => {
    const other = await t.user('tokenother');
    await expectRefused(await sign({}, key, '15m', String(other)));
    await expectRefused(await sign({ typ: 'refresh' }));
  });
  it('refuses garbage and an empty Bearer', async () => {
    await expectRefused('not-a-jwt');
    expect((await me({ authorization: 'Bearer ' })).statusCode).toBe(401);
    expect((await me({ authorization: 'Basic dG9rZW51c2VyOng=' })).statusCode).toBe(401);
  });
  it('refuses the JWT of a deleted session at once', async () => {
    const fresh = (await login('tokenuser')).json().access;
    expect((await me(bearer(fresh))).statusCode).toBe(200);
    await t.sql(`delete from sessions where id = ?`, [decodeJwt(fresh).sid]);
    await expectRefused(fresh);
  });
  it('refuses the JWT of an expired session', async () => {
    const fresh = (await login('tokenuser')).json().access;
    await t.sql(`update sessions set expires_at = now() - interval '1 second' where id = ?`, [decodeJwt(fresh).sid]);
    await expectRefused(fresh);
  });
});

describe('refresh', () => {
  beforeAll(async () => {
    await t.user('rita');
  });

  it('body { refresh } → a new pair; the old refresh token is retired', async () => {
    const first = (await login('rita')).json();
    const res = await request('POST', '/api/auth/refresh/', { body: { refresh: first.refresh } });
    expect(res.statusCode).toBe(200);
    const next = res.json();
    expect(Object.keys(next).sort()).toEqual(['access', 'refresh']);
    expect(next.refresh).not.toBe(first.refresh);
    expect((await me(bearer(next.access))).statusCode).toBe(200);
    // Same session: the first access token keeps working until its 15 minutes are up.
    expect(decodeJwt(next.access).sid).toBe(decodeJwt(first.access).sid);
    const again = await request('POST', '/api/auth/refresh/', { body: { refresh: next.refresh } });
    expect(again.statusCode).toBe(200);
  });

  it('presenting a retired refresh token revokes the whole session (its access tokens are refused at once)', async () => {
    const first = (await login('rita')).json();
    const second = (await request('POST', '/api/auth/refresh/', { body: { refresh: first.refresh } })).json();
    expect((await me(bearer(second.access))).statusCode).toBe(200);

    const replay = await request('POST', '/api/auth/refresh/', { body: { refresh: first.refresh } });
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'UNAUTHORIZED', fieldErrors: {} });
    expect((await me(bearer(second.access))).statusCode).toBe(401);
    expect((await me(bearer(first.access))).statusCode).toBe(401);
    // The newest refresh token of the session is dead too.
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: second.refresh } })).statusCode).toBe(401);
    const [row] = await t.sql(`select revoked_reason from sessions where id = ?`, [decodeJwt(first.access).sid]);
    expect(row.revoked_reason).toBe('refresh_reuse');
    const reuse = await audits('refresh_reuse');
    expect(reuse.length).toBe(1);
    expect(reuse[0].user_id).toBe(second.access && Number(decodeJwt(second.access).sub));
  });

  it('refuses unknown, malformed and missing refresh tokens with 401', async () => {
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: 'abc.def' } })).statusCode).toBe(401);
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: '' } })).statusCode).toBe(401);
    expect((await request('POST', '/api/auth/refresh/', { body: {} })).statusCode).toBe(401);
    expect((await request('POST', '/api/auth/refresh/')).statusCode).toBe(401);
  });

  it('the SPA refreshes with the refresh cookie on POST /api/auth/refresh/ (credentials: include, X-CSRFToken), gets new cookies', async () => {
    const res = await login('rita');
    const jar = cookiesOf(res);
    const ok = await request('POST', '/api/auth/refresh/', {
      headers: { cookie: cookieHeader(jar), 'x-csrftoken': jar.csrftoken },
    });
    expect(ok.statusCode).toBe(200);
    const fresh = Object.fromEntries(ok.cookies.map((c) => [c.name, c]));
    expect(fresh.crm_access).toMatchObject({ httpOnly: true, path: '/', value: ok.json().access });
    expect(fresh.crm_refresh).toMatchObject({ httpOnly: true, path: '/api/auth/', value: ok.json().refresh });
    expect(fresh.csrftoken.value).toBe(jar.csrftoken);
    expect(fresh.crm_refresh.value).not.toBe(jar.crm_refresh);
    expect((await me({ cookie: `crm_access=${fresh.crm_access.value}` })).statusCode).toBe(200);
    // A browser posting with an empty JSON body works the same.
    const jar2 = { ...jar, crm_refresh: fresh.crm_refresh.value };
    const withBody = await request('POST', '/api/auth/refresh/', {
      headers: { cookie: cookieHeader(jar2), 'x-csrftoken': jar.csrftoken, 'content-type': 'application/json' },
    });
    expect(withBody.statusCode).toBe(200);
    // Replaying the cookie that was just rotated revokes the session.
    const replay = await request('POST', '/api/auth/refresh/', {
      headers: { cookie: cookieHeader(jar), 'x-csrftoken': jar.csrftoken },
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.cookies.find((c) => c.name === 'crm_refresh')).toMatchObject({ value: '', path: '/api/auth/' });
    expect((await me({ cookie: `crm_access=${fresh.crm_access.value}` })).statusCode).toBe(401);
  });

  it('a cookie refresh without the CSRF header, or with a wrong one, is 403', async () => {
    const jar = cookiesOf(await login('rita'));
    for (const headers of [
      { cookie: cookieHeader(jar) },
      { cookie: cookieHeader(jar), 'x-csrftoken': 'forged' },
    ] as Record<string, string>[]) {
      const res = await request('POST', '/api/auth/refresh/', { headers });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ code: 'FORBIDDEN', message: 'Échec de la vérification CSRF.', fieldErrors: {} });
    }
    // The refresh token was not consumed by the refused attempts.
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: jar.crm_refresh } })).statusCode).toBe(200);
  });

  it('a refresh token does not outlive its session (7 days)', async () => {
    const first = (await login('rita')).json();
    await t.sql(`update refresh_tokens set expires_at = now() - interval '1 second' where session_id = ?`, [
      decodeJwt(first.access).sid,
    ]);
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: first.refresh } })).statusCode).toBe(401);
    const [s] = await t.sql(
      `select extract(epoch from expires_at - created_at)::float as ttl from sessions where id = ?`,
      [decodeJwt(first.access).sid],
    );
    expect(Math.abs(s.ttl - 7 * 24 * 3600)).toBeLessThan(5);
  });
});

describe('logout', () => {
  let id: number;
  beforeAll(async () => {
    id = await t.user('lou');
  });

  it('Bearer: 204, the access token is refused at once and the refresh token is dead', async () => {
    const body = (await login('lou')).json();
    const res = await request('POST', '/api/auth/logout/', { headers: bearer(body.access) });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await me(bearer(body.access))).statusCode).toBe(401);
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: body.refresh } })).statusCode).toBe(401);
    expect((await audits('logout', id)).length).toBe(1);
  });

  it('cookie: needs X-CSRFToken, then 204 and clears the three cookies (refresh cookie on its own path)', async () => {
    const jar = cookiesOf(await login('lou'));
    const spa = { cookie: cookieHeader(jar) };
    expect((await request('POST', '/api/auth/logout/', { headers: spa })).statusCode).toBe(403);
    expect((await me(spa)).statusCode).toBe(200);
    const res = await request('POST', '/api/auth/logout/', { headers: { ...spa, 'x-csrftoken': jar.csrftoken } });
    expect(res.statusCode).toBe(204);
    const cleared = Object.fromEntries(res.cookies.map((c) => [c.name, c]));
    expect(cleared.crm_access).toMatchObject({ value: '', path: '/' });
    expect(cleared.crm_refresh).toMatchObject({ value: '', path: '/api/auth/' });
    expect(cleared.csrftoken).toMatchObject({ value: '', path: '/' });
    for (const c of res.cookies) expect(c.expires!.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await me(spa)).statusCode).toBe(401);
  });

  it('with only the refresh cookie left (access expired): still ends the session', async () => {
    const jar = cookiesOf(await login('lou'));
    const { crm_access: _expired, ...rest } = jar;
    const res = await request('POST', '/api/auth/logout/', {
      headers: { cookie: cookieHeader(rest), 'x-csrftoken': jar.csrftoken },
    });
    expect(res.statusCode).toBe(204);
    expect((await me({ cookie: `crm_access=${jar.crm_access}` })).statusCode).toBe(401);
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: jar.crm_refresh } })).statusCode).toBe(401);
    // …and needs the CSRF header in that case too.
    const jar2 = cookiesOf(await login('lou'));
    const { crm_access: _a, ...rest2 } = jar2;
    expect((await request('POST', '/api/auth/logout/', { headers: { cookie: cookieHeader(rest2) } })).statusCode).toBe(
      403,
    );
  });

  it('the SPA may log in and out over tRPC too: same cookies, the REST refresh works with them, logout clears all three', async () => {
    const res = await request('POST', '/trpc/auth.login', { body: { username: 'lou', password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().result.data).sort()).toEqual(['access', 'refresh', 'user']);
    const byName = Object.fromEntries(res.cookies.map((c) => [c.name, c]));
    expect(byName.crm_access).toMatchObject({ path: '/', httpOnly: true, sameSite: 'Lax' });
    expect(byName.crm_refresh).toMatchObject({ path: '/api/auth/', httpOnly: true, sameSite: 'Lax' });
    const jar = cookiesOf(res);
    const refreshed = await request('POST', '/api/auth/refresh/', {
      headers: { cookie: cookieHeader(jar), 'x-csrftoken': jar.csrftoken },
    });
    expect(refreshed.statusCode).toBe(200);
    const access = refreshed.cookies.find((c) => c.name === 'crm_access')!.value;
    const out = await request('POST', '/trpc/auth.logout', {
      body: {},
      headers: { cookie: cookieHeader({ crm_access: access, csrftoken: jar.csrftoken }), 'x-csrftoken': jar.csrftoken },
    });
    expect(out.statusCode).toBe(200);
    const cleared = Object.fromEntries(out.cookies.map((c) => [c.name, c]));
    expect(cleared.crm_refresh).toMatchObject({ value: '', path: '/api/auth/' });
    expect(cleared.crm_access).toMatchObject({ value: '', path: '/' });
    expect((await me({ cookie: `crm_access=${access}` })).statusCode).toBe(401);
  });

  it('without credentials: 401', async () => {
    const res = await request('POST', '/api/auth/logout/');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHORIZED');
  });

  it('logging out one session leaves the user’s other sessions alone', async () => {
    const a = (await login('lou')).json();
    const b = (await login('lou')).json();
    expect((await request('POST', '/api/auth/logout/', { headers: bearer(a.access) })).statusCode).toBe(204);
    expect((await me(bearer(b.access))).statusCode).toBe(200);
  });
});

describe('password change', () => {
  let id: number;
  beforeAll(async () => {
    id = await t.user('pauline');
  });
  const change = (token: string, body: unknown, headers: Record<string, string> = {}) =>
    request('PUT', '/api/auth/password/change/', { body, headers: { ...bearer(token), ...headers } });

  it('204; the other sessions are revoked at once (access and refresh), the current one keeps working', async () => {
    const current = (await login('pauline')).json();
    const other = (await login('pauline')).json();
    const res = await change(current.access, { oldPassword: PASSWORD, newPassword: 'Nouveau-secret-42' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await me(bearer(current.access))).statusCode).toBe(200);
    expect((await me(bearer(other.access))).statusCode).toBe(401);
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: other.refresh } })).statusCode).toBe(401);
    expect((await request('POST', '/api/auth/refresh/', { body: { refresh: current.refresh } })).statusCode).toBe(200);
    expect((await login('pauline')).statusCode).toBe(401);
    expect((await login('pauline', 'Nouveau-secret-42')).statusCode).toBe(200);
    const [row] = await t.sql(`select password_hash from users where id = ?`, [id]);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const [a] = await audits('password_change', id);
    expect(a.details).toEqual({ revokedSessions: 1 });
  });

  it('wrong old password → 400 on oldPassword', async () => {
    const { access } = (await login('pauline', 'Nouveau-secret-42')).json();
    const res = await change(access, { oldPassword: 'pas-le-bon-mot', newPassword: 'Encore-un-autre-1' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 'BAD_REQUEST',
      message: 'Données invalides.',
      fieldErrors: { oldPassword: ['Mot de passe actuel incorrect.'] },
    });
    const en = await change(
      access,
      { oldPassword: 'pas-le-bon-mot', newPassword: 'Encore-un-autre-1' },
      { 'accept-language': 'en' },
    );
    expect(en.json().fieldErrors).toEqual({ oldPassword: ['Current password is incorrect.'] });
  });

  it('password rules: ≥ 10 characters, not all digits, not the username; French by default, English on request', async () => {
    const { access } = (await login('pauline', 'Nouveau-secret-42')).json();
    const cases: [string, string, string][] = [
      [
        'court',
        'Le mot de passe doit contenir au moins 10 caractères.',
        'The password must be at least 10 characters long.',
      ],
      [
        '12345678901234',
        'Le mot de passe ne peut pas être entièrement numérique.',
        'The password cannot be entirely numeric.',
      ],
      [
        'PAULINE',
        'Le mot de passe doit contenir au moins 10 caractères.',
        'The password must be at least 10 characters long.',
      ],
    ];
    for (const [pwd, fr, en] of cases) {
      const res = await change(access, { oldPassword: 'Nouveau-secret-42', newPassword: pwd });
      expect(res.statusCode, pwd).toBe(400);
      expect(res.json().fieldErrors.newPassword).toContain(fr);
      const resEn = await change(
        access,
        { oldPassword: 'Nouveau-secret-42', newPassword: pwd },
        { 'accept-language': 'en-GB,en;q=0.8' },
      );
      expect(resEn.json().fieldErrors.newPassword).toContain(en);
      expect(resEn.json().message).toBe('Invalid data.');
    }
    // Equal to the username (10+ characters, case-insensitive).
    await t.user('longusername');
    const { access: a2 } = (await login('longusername')).json();
    const same = await change(a2, { oldPassword: PASSWORD, newPassword: 'LongUserName' });
    expect(same.statusCode).toBe(400);
    expect(same.json().fieldErrors).toEqual({
      newPassword: ["Le mot de passe ne peut pas être égal au nom d'utilisateur."],
    });
    const sameEn = await change(
      a2,
      { oldPassword: PASSWORD, newPassword: 'LongUserName' },
      { 'accept-language': 'en' },
    );
    expect(sameEn.json().fieldErrors).toEqual({ newPassword: ['The password cannot be the same as the username.'] });
    // Nothing changed.
    expect((await login('pauline', 'Nouveau-secret-42')).statusCode).toBe(200);
    const missing = await change(access, {});
    expect(Object.keys(missing.json().fieldErrors).sort()).toEqual(['newPassword', 'oldPassword']);
  });

  it('requires authentication and, by cookie, the CSRF header', async () => {
    expect(
      (await request('PUT', '/api/auth/password/change/', { body: { oldPassword: 'x', newPassword: 'Abcdefghijk-1' } }))
        .statusCode,
    ).toBe(401);
    const jar = cookiesOf(await login('pauline', 'Nouveau-secret-42'));
    const body = { oldPassword: 'Nouveau-secret-42', newPassword: 'Troisieme-secret-3' };
    expect(
      (await request('PUT', '/api/auth/password/change/', { body, headers: { cookie: cookieHeader(jar) } })).statusCode,
    ).toBe(403);
    expect(
      (
        await request('PUT', '/api/auth/password/change/', {
          body,
          headers: { cookie: cookieHeader(jar), 'x-csrftoken': jar.csrftoken },
        })
      ).statusCode,
    ).toBe(204);
  });

  it('guessing the old password with a stolen token is rate limited like logins', async () => {
    await t.user('guessed');
    const { access } = (await login('guessed')).json();
    for (let i = 0; i < 5; i++)
      expect(
        (await change(access, { oldPassword: `guess-${i}-xxxxx`, newPassword: 'Whatever-pass-9' })).statusCode,
      ).toBe(400);
    const blocked = await change(access, { oldPassword: PASSWORD, newPassword: 'Whatever-pass-9' });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});
