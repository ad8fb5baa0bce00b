import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApp, type RestClient, type TestApp, withoutSessionCheck } from './helpers.js';

/** Users: any authenticated user lists them; only an admin creates and changes them; deactivation revokes sessions. */

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

let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient;
let adminId: number;

beforeAll(async () => {
  t = await startTestApp();
  adminId = await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  await t.user('alice', 'commercial');
  [admin, manager, alice] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice')]);
});
afterAll(async () => t?.close());

const newUser = (over: Record<string, unknown> = {}) => ({
  username: 'nouveau',
  email: 'Nouveau@Example.fr',
  password: 'Un-bon-mot-de-passe',
  firstName: 'Nina',
  lastName: 'Nouveau',
  role: 'commercial',
  departement: 'Ventes',
  telephone: '06 12 34 56 78',
  ...over,
});

describe('listing', () => {
  it('any authenticated user may list users (paginated, ?search=), without any hash', async () => {
    for (const c of [admin, manager, alice]) {
      const res = await c.get('/users/');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ page: 1, pageSize: 25 });
      expect(body.count).toBeGreaterThanOrEqual(3);
      for (const u of body.results) expect(Object.keys(u).sort()).toEqual(USER_FIELDS);
      expect(res.body).not.toMatch(/argon2|password/i);
    }
    const found = (await alice.get('/users/?search=MANAG')).json();
    expect(found.results.map((u: any) => u.username)).toEqual(['manager']);
    expect((await alice.get(`/users/${adminId}/`)).json()).toMatchObject({
      username: 'admin',
      isAdmin: true,
      isStaff: true,
    });
  });

  it('requires authentication', async () => {
    expect((await t.anonymous().get('/users/')).statusCode).toBe(401);
  });

  it('a page and its count come from one statement; a page past the end still counts', async () => {
    const all = (await admin.get('/users/?pageSize=100')).json();
    expect(all.count).toBe(all.results.length);
    const { result, statements } = await t.countSql(() => alice.get('/users/?pageSize=2&page=2&ordering=username'));
    expect(withoutSessionCheck(statements)).toHaveLength(1);
    const names = all.results.map((u: any) => u.username).sort();
    expect(result.json()).toMatchObject({
      count: all.count,
      page: 2,
      results: names.slice(2, 4).map((username: string) => ({ username })),
    });
    expect((await alice.get('/users/?search=zzzz-nobody')).json()).toMatchObject({ count: 0, results: [] });
    // Past the end: no row carries the count (a second statement counts), answered as before.
    const past = await alice.get(`/users/?pageSize=2&page=${all.count + 5}`);
    expect({ status: past.statusCode, count: past.statusCode === 200 ? past.json().count : all.count }).toEqual({
      status: past.statusCode,
      count: all.count,
    });
  });
});

describe('admin only: create and change', () => {
  it('POST /api/users/ → 403 for a manager and a commercial; nothing created', async () => {
    for (const c of [manager, alice]) {
      const res = await c.post('/users/', newUser({ username: 'intrus' }));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        code: 'FORBIDDEN',
        message: "Vous n'avez pas la permission d'effectuer cette action.",
        fieldErrors: {},
      });
    }
    expect((await t.sql(`select id from users where username = 'intrus'`)).length).toBe(0);
  });

  it('admin creates: 201, contract fields, argon2id hash stored, audited; the new user can log in', async () => {
    const res = await admin.post('/users/', newUser());
    expect(res.statusCode).toBe(201);
    const u = res.json();
    expect(Object.keys(u).sort()).toEqual(USER_FIELDS);
    expect(u).toMatchObject({
      username: 'nouveau',
      email: 'nouveau@example.fr',
      role: 'commercial',
      isStaff: false,
      isAdmin: false,
      isActive: true,
      telephone: '+33612345678',
    });
    const [row] = await t.sql(`select password_hash from users where id = ?`, [u.id]);
    // The app's cost (OWASP minimums), not the cheap one of the users tests insert directly.
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(res.body).not.toContain(row.password_hash);
    const [a] = await t.sql(`select * from audit_log where action = 'user_create' and entity_id = ?`, [u.id]);
    expect(a).toMatchObject({ user_id: adminId, entity: 'user' });
    expect(JSON.stringify(a.details)).not.toMatch(/Un-bon-mot/);
    expect((await t.as('nouveau', 'Un-bon-mot-de-passe')).userId).toBe(u.id);
  });

  it('validates: password rules (fr/en), username taken (409), bad e-mail and role', async () => {
    const short = await admin.post('/users/', newUser({ username: 'u1', password: 'court' }));
    expect(short.statusCode).toBe(400);
    expect(short.json().fieldErrors.password).toEqual(['Le mot de passe doit contenir au moins 10 caractères.']);
    const digits = await admin.post('/users/', newUser({ username: 'u2', password: '01234567890' }), {
      'accept-language': 'en',
    });
    expect(digits.json().fieldErrors.password).toEqual(['The password cannot be entirely numeric.']);
    const same = await admin.post('/users/', newUser({ username: 'Meme-Que-Le-Nom', password: 'meme-que-le-nom' }));
    expect(same.json().fieldErrors.password).toEqual(["Le mot de passe ne peut pas être égal au nom d'utilisateur."]);
    const missing = await admin.post('/users/', { username: 'sans-mot' });
    expect(missing.json().fieldErrors.password).toEqual(['Ce champ est obligatoire.']);
    const taken = await admin.post('/users/', newUser({ username: 'ALICE', email: '' }));
    expect(taken.statusCode).toBe(409);
    expect(taken.json().fieldErrors.username).toEqual(["Ce nom d'utilisateur est déjà pris."]);
    const bad = await admin.post('/users/', newUser({ username: 'u3', email: 'pas-un-email', role: 'superuser' }));
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().fieldErrors).sort()).toEqual(['email', 'role']);
  });

  it('PATCH /api/users/{id}/ → 403 for a manager and a commercial (even on themselves); admin may', async () => {
    const [{ id: aliceId }] = await t.sql(`select id from users where username = 'alice'`);
    for (const c of [manager, alice]) {
      expect((await c.patch(`/users/${aliceId}/`, { role: 'admin' })).statusCode).toBe(403);
    }
    expect((await alice.get('/auth/user/')).json().role).toBe('commercial');
    const res = await admin.patch(`/users/${aliceId}/`, { departement: 'Export', firstName: 'Alice' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ departement: 'Export', firstName: 'Alice', role: 'commercial' });
    const [a] = await t.sql(
      `select * from audit_log where action = 'user_update' and entity_id = ? order by id desc limit 1`,
      [aliceId],
    );
    expect([...a.details.fields].sort()).toEqual(['departement', 'firstName']);
    expect((await admin.patch('/users/999999/', { departement: 'x' })).statusCode).toBe(404);
  });

  it('a role change applies at the next request (the role is read from the user row)', async () => {
    const id = await t.user('promu', 'commercial');
    const c = await t.as('promu');
    expect((await c.post('/users/', newUser({ username: 'tentative' }))).statusCode).toBe(403);
    expect((await admin.patch(`/users/${id}/`, { role: 'admin' })).statusCode).toBe(200);
    expect((await c.post('/users/', newUser({ username: 'tentative', email: '' }))).statusCode).toBe(201);
    expect((await admin.patch(`/users/${id}/`, { role: 'commercial' })).statusCode).toBe(200);
    expect((await c.patch(`/users/${id}/`, { role: 'admin' })).statusCode).toBe(403);
  });
});

describe('deactivation', () => {
  it('isActive: false revokes every session of that user at once (Bearer, cookie, refresh), login refused; history kept', async () => {
    const id = await t.user('partant', 'commercial');
    const bearer = await t.as('partant');
    const second = await t.as('partant');
    const client = (await bearer.post('/clients/', { nom: 'Client du partant' })).json();
    expect((await bearer.get('/auth/user/')).statusCode).toBe(200);

    const res = await admin.patch(`/users/${id}/`, { isActive: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().isActive).toBe(false);

    expect((await bearer.get('/auth/user/')).statusCode).toBe(401);
    expect((await second.get('/clients/')).statusCode).toBe(401);
    expect((await t.anonymous().post('/auth/refresh/', { refresh: bearer.refresh })).statusCode).toBe(401);
    const login = await t.anonymous().post('/auth/login/', { username: 'partant', password: PASSWORD });
    expect(login.statusCode).toBe(401);
    expect(login.json().message).toBe('Identifiants invalides.');
    const live = await t.sql(`select count(*)::int as n from sessions where user_id = ? and revoked_at is null`, [id]);
    expect(live[0].n).toBe(0);
    const reasons = await t.sql(`select distinct revoked_reason from sessions where user_id = ?`, [id]);
    expect(reasons).toEqual([{ revoked_reason: 'deactivated' }]);
    // Never deleted: still listed, their client keeps its responsable.
    expect((await admin.get(`/users/${id}/`)).json()).toMatchObject({ username: 'partant', isActive: false });
    expect((await admin.get(`/clients/${client.id}/`)).json().responsable).toBe(id);
    const [a] = await t.sql(`select * from audit_log where action = 'user_deactivate' and entity_id = ?`, [id]);
    expect(a.user_id).toBe(adminId);

    // Reactivated: may log in again; the old tokens stay dead.
    expect((await admin.patch(`/users/${id}/`, { isActive: true })).statusCode).toBe(200);
    expect((await bearer.get('/auth/user/')).statusCode).toBe(401);
    expect((await t.as('partant')).userId).toBe(id);
  });

  it('a password set by an admin revokes the user’s sessions', async () => {
    const id = await t.user('reinit', 'commercial');
    const c = await t.as('reinit');
    expect((await admin.patch(`/users/${id}/`, { password: 'Nouveau-mot-de-passe' })).statusCode).toBe(200);
    expect((await c.get('/auth/user/')).statusCode).toBe(401);
    expect((await t.as('reinit', 'Nouveau-mot-de-passe')).userId).toBe(id);
    const [a] = await t.sql(
      `select details from audit_log where action = 'user_update' and entity_id = ? order by id desc limit 1`,
      [id],
    );
    expect(a.details).toEqual({ fields: [] });
  });

  it('the last active admin can be neither deactivated nor demoted (409); with another admin it can', async () => {
    for (const body of [{ isActive: false }, { role: 'manager' }]) {
      const res = await admin.patch(`/users/${adminId}/`, body);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({
        code: 'CONFLICT',
        message: 'Le dernier administrateur actif ne peut être ni désactivé ni rétrogradé.',
        fieldErrors: {},
      });
    }
    expect((await admin.get('/auth/user/')).json()).toMatchObject({ role: 'admin', isActive: true });
    const second = await t.user('admin2', 'admin');
    const other = await t.as('admin2');
    expect((await other.patch(`/users/${second}/`, { role: 'manager' })).statusCode).toBe(200);
    expect((await admin.patch(`/users/${second}/`, { role: 'admin' })).statusCode).toBe(200);
    expect((await admin.patch(`/users/${second}/`, { isActive: false })).statusCode).toBe(200);
  });

  it('users are never deleted: no DELETE route', async () => {
    const res = await admin.delete(`/users/${adminId}/`);
    expect([404, 405]).toContain(res.statusCode);
    expect((await admin.get(`/users/${adminId}/`)).statusCode).toBe(200);
  });
});
