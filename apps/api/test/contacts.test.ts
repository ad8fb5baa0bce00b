import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let clientA: number; // alice's
let clientA2: number; // alice's
let clientB: number; // bob's

/** Envelope recipients of the mails a real SMTP server received. */
const received: string[][] = [];
let smtp: SMTPServer;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  t = await startTestApp({
    env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String((smtp.server.address() as AddressInfo).port) },
  });
  await t.user('admin', 'admin');
  await t.user('alice', 'commercial');
  await t.user('bob', 'commercial');
  [admin, alice, bob] = await Promise.all([t.as('admin'), t.as('alice'), t.as('bob')]);
  clientA = (await alice.post('/clients/', { nom: 'Menuiserie Roux', email: 'contact@roux.fr' })).json().id;
  clientA2 = (await alice.post('/clients/', { nom: 'Pharmacie du Centre' })).json().id;
  clientB = (await bob.post('/clients/', { nom: 'Hôtel Bellevue' })).json().id;
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

describe('contacts', () => {
  it('creates with normalized phone and e-mail; nom required; bad phone/email → 400', async () => {
    const res = await alice.post('/contacts/', {
      client: clientA,
      prenom: 'Léa',
      nom: 'Roux',
      fonction: 'Gérante',
      email: 'Lea@Roux.fr',
      telephone: '06 12 34 56 78',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      client: clientA,
      clientNom: 'Menuiserie Roux',
      nomComplet: 'Léa Roux',
      email: 'lea@roux.fr',
      telephone: '+33612345678',
      principal: false,
    });
    const bad = await alice.post('/contacts/', { client: clientA, email: 'pas-un-email', telephone: '12' });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().fieldErrors).sort()).toEqual(['email', 'nom', 'telephone']);
    expect(bad.json().fieldErrors.nom).toEqual(['Ce champ est obligatoire.']);
  });

  it('e-mail unique per client, case-insensitive → 409; the same address at another client is fine', async () => {
    const first = await alice.post(`/clients/${clientA}/contacts/`, { nom: 'Martin', email: 'j.martin@exemple.fr' });
    expect(first.statusCode).toBe(201);
    expect(first.json().client).toBe(clientA);
    const dup = await alice.post('/contacts/', { client: clientA, nom: 'Autre', email: 'J.Martin@Exemple.FR' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({
      code: 'CONFLICT',
      fieldErrors: { email: ['Un contact de ce client a déjà cette adresse e-mail.'] },
    });
    expect(
      (await alice.post('/contacts/', { client: clientA2, nom: 'Martin', email: 'j.martin@exemple.fr' })).statusCode,
    ).toBe(201);
    const other = (await alice.post('/contacts/', { client: clientA, nom: 'Sans email' })).json();
    expect((await alice.patch(`/contacts/${other.id}/`, { email: 'J.MARTIN@exemple.fr' })).statusCode).toBe(409);
  });

  it('one main contact per client: making one main demotes the previous one (and the database refuses two)', async () => {
    const c1 = (await alice.post('/contacts/', { client: clientA2, nom: 'Premier', principal: true })).json();
    const c2 = (await alice.post('/contacts/', { client: clientA2, nom: 'Second', principal: true })).json();
    expect(c2.principal).toBe(true);
    expect((await alice.get(`/contacts/${c1.id}/`)).json().principal).toBe(false);
    await alice.patch(`/contacts/${c1.id}/`, { principal: true });
    const list = (await alice.get(`/clients/${clientA2}/contacts/`)).json();
    expect(list.results.filter((c: any) => c.principal).map((c: any) => c.id)).toEqual([c1.id]);
    expect(list.results[0].id).toBe(c1.id); // main contact first
    await expect(t.sql('update contacts set principal = true where client_id = ?', [clientA2])).rejects.toThrow(
      /contacts_principal_uniq/,
    );
  });

  it('list: search on name and e-mail (accent-insensitive), filters, ordering, pagination, 2 statements', async () => {
    const search = (await alice.get('/contacts/?search=lea')).json();
    expect(search.results.map((c: any) => c.nom)).toEqual(['Roux']);
    expect((await alice.get('/contacts/?search=exemple.fr')).json().count).toBe(2);
    expect((await alice.get(`/contacts/?client=${clientA2}&principal=true`)).json().count).toBe(1);
    const ordered = (await alice.get('/contacts/?ordering=-nom&pageSize=2&page=1')).json();
    expect(ordered.pageSize).toBe(2);
    expect(ordered.results.length).toBe(2);
    expect((await alice.get('/contacts/?ordering=age')).statusCode).toBe(400);
    expect((await alice.get('/contacts/?principal=oui')).statusCode).toBe(400);
    for (let i = 0; i < 6; i++) await alice.post('/contacts/', { client: clientA, nom: `Contact ${i}` });
    for (const pageSize of [1, 10]) {
      const { statements } = await t.countSql(() => alice.get(`/contacts/?pageSize=${pageSize}`));
      expect(statements.filter((s) => /contacts/.test(s)).length).toBe(2);
    }
    const sub = await t.countSql(() => alice.get(`/clients/${clientA}/contacts/?pageSize=100`));
    expect(sub.result.json().count).toBeGreaterThan(6);
    expect(sub.statements.filter((s) => /contacts/.test(s)).length).toBe(1);
  });

  it('a commercial never sees another one’s contacts: 404 on detail and sub-list, absent from lists, 400 on create, 403 on delete', async () => {
    const bobs = (
      await bob.post('/contacts/', { client: clientB, nom: 'Bellevue', email: 'accueil@bellevue.fr' })
    ).json();
    expect((await alice.get(`/contacts/${bobs.id}/`)).statusCode).toBe(404);
    expect((await alice.patch(`/contacts/${bobs.id}/`, { nom: 'x' })).statusCode).toBe(404);
    expect((await alice.get(`/clients/${clientB}/contacts/`)).statusCode).toBe(404);
    expect((await alice.post(`/clients/${clientB}/contacts/`, { nom: 'x' })).statusCode).toBe(400);
    expect((await alice.get('/contacts/?search=bellevue')).json().count).toBe(0);
    const create = await alice.post('/contacts/', { client: clientB, nom: 'Intrus' });
    expect(create.statusCode).toBe(400);
    expect(create.json().fieldErrors).toEqual({ client: ["L'objet référencé n'existe pas."] });
    expect((await bob.delete(`/contacts/${bobs.id}/`)).statusCode).toBe(403);
    expect((await admin.get('/contacts/?search=bellevue')).json().count).toBe(1);
    expect((await admin.delete(`/contacts/${bobs.id}/`)).statusCode).toBe(204);
    expect((await admin.get(`/contacts/${bobs.id}/`)).statusCode).toBe(404);
  });
});

describe('devis addressed to a contact', () => {
  it('contact must be a contact of the devis’ client (400 on contact); shown on the devis', async () => {
    const opp = (await alice.post('/opportunites/', { nom: 'Agencement', client: clientA, montant: 1000 })).json();
    const mine = (
      await alice.post('/contacts/', { client: clientA, nom: 'Destinataire', email: 'dest@roux.fr' })
    ).json();
    const elsewhere = (await alice.post('/contacts/', { client: clientA2, nom: 'Ailleurs' })).json();
    const wrong = await alice.post('/devis/', { opportunite: opp.id, montant: 100, contact: elsewhere.id });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().fieldErrors).toEqual({ contact: ["Ce contact n'appartient pas au client."] });
    const ok = await alice.post('/devis/', { opportunite: opp.id, montant: 100, contact: mine.id });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ contact: mine.id, contactNom: 'Destinataire' });
    expect((await alice.patch(`/devis/${ok.json().id}/`, { contact: elsewhere.id })).statusCode).toBe(400);
    const cleared = await alice.patch(`/devis/${ok.json().id}/`, { contact: null });
    expect(cleared.json()).toMatchObject({ contact: null, contactNom: null });
  });

  it('envoyer mails the devis’ contact, else the client’s address; the timeline says to whom', async () => {
    const opp = (await alice.post('/opportunites/', { nom: 'Escalier', client: clientA, montant: 900 })).json();
    const dest = (
      await alice.post('/contacts/', { client: clientA, prenom: 'Paul', nom: 'Roux', email: 'paul.roux@roux.fr' })
    ).json();
    const toContact = (await alice.post('/devis/', { opportunite: opp.id, montant: 900, contact: dest.id })).json();
    const toClient = (await alice.post('/devis/', { opportunite: opp.id, montant: 950 })).json();
    const before = received.length;
    expect((await alice.post(`/devis/${toContact.id}/envoyer/`)).statusCode).toBe(200);
    expect((await alice.post(`/devis/${toClient.id}/envoyer/`)).statusCode).toBe(200);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(before + 2);
    expect(received.slice(before).flat().sort()).toEqual(['contact@roux.fr', 'paul.roux@roux.fr']);
    const timeline = (await alice.get(`/opportunites/${opp.id}/timeline/`)).json();
    expect(
      timeline.results
        .filter((r: any) => r.type === 'devis_envoye')
        .map((r: any) => r.resume)
        .sort(),
    ).toEqual(['Devis v1 envoyé à paul.roux@roux.fr', 'Devis v2 envoyé à contact@roux.fr']);
  });
});

describe('OpenAPI document', () => {
  it('documents contacts, activities, timelines and notifications (with the SSE stream)', async () => {
    const doc = (await t.anonymous().get('/openapi.json')).json();
    for (const [p, methods] of Object.entries({
      '/contacts/': ['get', 'post'],
      '/contacts/{id}/': ['get', 'put', 'patch', 'delete'],
      '/clients/{id}/contacts/': ['get', 'post'],
      '/activites/': ['get', 'post'],
      '/activites/{id}/': ['get', 'put', 'patch', 'delete'],
      '/clients/{id}/timeline/': ['get'],
      '/opportunites/{id}/timeline/': ['get'],
      '/notifications/': ['get'],
      '/notifications/{id}/lue/': ['post'],
      '/notifications/tout-lu/': ['post'],
      '/notifications/flux/': ['get'],
    })) {
      for (const m of methods) expect(doc.paths[p]?.[m], `${m.toUpperCase()} ${p}`).toBeDefined();
    }
    expect(Object.keys(doc.paths['/notifications/flux/'].get.responses[200].content)).toEqual(['text/event-stream']);
    const params = doc.paths['/clients/{id}/timeline/'].get.parameters.map((x: any) => x.name).sort();
    expect(params).toEqual(['cursor', 'id', 'pageSize']);
  });
});
