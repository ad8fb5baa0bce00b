import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@crm/db';
import { DEMO_PASSWORD, seedDemo } from '../src/cli/seed-demo.js';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let manager: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let aliceId: number;
let bobId: number;
let clientA: number;
let clientA2: number;
let clientB: number;
let oppA: number;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  [manager, alice, bob] = await Promise.all([t.as('manager'), t.as('alice'), t.as('bob')]);
  clientA = (await alice.post('/clients/', { nom: 'Menuiserie Roux' })).json().id;
  clientA2 = (await alice.post('/clients/', { nom: 'Pharmacie du Centre' })).json().id;
  clientB = (await bob.post('/clients/', { nom: 'Hôtel Bellevue' })).json().id;
  oppA = (await alice.post('/opportunites/', { nom: 'Agencement atelier', client: clientA, montant: 12000 })).json().id;
});
afterAll(async () => t?.close());

describe('activites', () => {
  it('creates with the caller as auteur; Markdown rendered, raw HTML escaped', async () => {
    const res = await alice.post('/activites/', {
      type: 'appel',
      sujet: 'Relance',
      client: clientA,
      opportunite: oppA,
      auteur: bobId,
      contenu: '**Rappeler** jeudi <script>alert(1)</script> [x](javascript:alert(1)) [site](https://roux.fr)',
    });
    expect(res.statusCode).toBe(201);
    const a = res.json();
    expect(a).toMatchObject({
      type: 'appel',
      auteur: aliceId,
      auteurNom: 'alice Test',
      client: clientA,
      opportunite: oppA,
      opportuniteNom: 'Agencement atelier',
    });
    expect(a.contenuHtml).toContain('<strong>Rappeler</strong>');
    expect(a.contenuHtml).not.toContain('<script');
    expect(a.contenuHtml).toContain('&lt;script&gt;');
    expect(a.contenuHtml).not.toMatch(/href="javascript/i);
    expect(a.contenuHtml).toContain('href="https://roux.fr"');
    expect(Date.now() - Date.parse(a.date)).toBeLessThan(60_000);
  });

  it('400: type, sujet, date, links of another client (on the field), invisible client', async () => {
    const bad = await alice.post('/activites/', { type: 'fax', client: clientA, date: 'hier' });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().fieldErrors).sort()).toEqual(['date', 'sujet', 'type']);
    const contactA2 = (await alice.post('/contacts/', { client: clientA2, nom: 'Ailleurs' })).json().id;
    const wrong = await alice.post('/activites/', {
      type: 'note',
      sujet: 'x',
      client: clientA2,
      opportunite: oppA,
      contact: contactA2,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().fieldErrors).toEqual({ opportunite: ["Cette opportunité n'appartient pas au client."] });
    const hidden = await alice.post('/activites/', { type: 'note', sujet: 'x', client: clientB });
    expect(hidden.json().fieldErrors).toEqual({ client: ["L'objet référencé n'existe pas."] });
    const en = await alice.post(
      '/activites/',
      { type: 'note', sujet: 'x', client: clientA2, opportunite: oppA },
      { 'accept-language': 'en' },
    );
    expect(en.json().fieldErrors.opportunite).toEqual(['This opportunity does not belong to the client.']);
  });

  it('author, manager or admin may edit/delete; another commercial cannot even see it', async () => {
    const a = (
      await alice.post('/activites/', {
        type: 'note',
        sujet: 'Note',
        client: clientA,
        date: '2026-11-02T09:30:00+01:00',
      })
    ).json();
    expect(a.date).toBe('2026-11-02T08:30:00.000Z');
    expect((await bob.get(`/activites/${a.id}/`)).statusCode).toBe(404);
    expect((await bob.patch(`/activites/${a.id}/`, { sujet: 'x' })).statusCode).toBe(404);
    expect((await bob.get('/activites/?search=note')).json().count).toBe(0);
    // bob becomes responsable of clientA: he sees alice's note but may not change it
    await manager.patch(`/clients/${clientA}/`, { responsable: bobId });
    expect((await bob.get(`/activites/${a.id}/`)).statusCode).toBe(200);
    const denied = await bob.patch(`/activites/${a.id}/`, { sujet: 'x' });
    expect(denied.statusCode).toBe(403);
    expect((await bob.delete(`/activites/${a.id}/`)).statusCode).toBe(403);
    await manager.patch(`/clients/${clientA}/`, { responsable: aliceId });
    expect((await alice.patch(`/activites/${a.id}/`, { sujet: 'Note modifiée' })).json().sujet).toBe('Note modifiée');
    expect((await manager.patch(`/activites/${a.id}/`, { type: 'reunion' })).json().type).toBe('reunion');
    expect((await alice.delete(`/activites/${a.id}/`)).statusCode).toBe(204);
  });

  it('list: filters, ordering, constant statements', async () => {
    for (let i = 0; i < 5; i++)
      await alice.post('/activites/', {
        type: i % 2 ? 'appel' : 'email',
        sujet: `Suivi ${i}`,
        client: clientA2,
        date: `2026-10-0${i + 1}T10:00:00Z`,
      });
    const appels = (await alice.get(`/activites/?client=${clientA2}&type=appel&ordering=date`)).json();
    expect(appels.results.map((a: any) => a.sujet)).toEqual(['Suivi 1', 'Suivi 3']);
    expect(
      (await alice.get(`/activites/?client=${clientA2}&dateApres=2026-10-02&dateAvant=2026-10-03`)).json().count,
    ).toBe(2);
    expect((await alice.get('/activites/?auteur=me&search=suivi')).json().count).toBe(5);
    expect((await alice.get('/activites/?type=fax')).statusCode).toBe(400);
    for (const pageSize of [1, 50]) {
      const { statements } = await t.countSql(() => alice.get(`/activites/?pageSize=${pageSize}`));
      expect(statements.filter((s) => /activites/.test(s)).length).toBe(2);
    }
  });
});

describe('timeline', () => {
  it('records events where they happen and mixes them with activities, newest first, with French summaries', async () => {
    const c = (await alice.post('/clients/', { nom: 'Boulangerie Lemoine' })).json().id;
    const o = (await alice.post('/opportunites/', { nom: 'Four neuf', client: c, montant: 8000 })).json().id;
    await alice.post(`/opportunites/${o}/avancer-etape/`, {});
    await alice.post('/activites/', { type: 'reunion', sujet: 'Visite du fournil', client: c, opportunite: o });
    const d = (await alice.post('/devis/', { opportunite: o, montant: 8000 })).json().id;
    await manager.patch(`/devis/${d}/`, { statut: 'accepte' });
    const tache = (
      await alice.post('/taches/', { titre: 'Livrer', client: c, priorite: 'haute', dateEcheance: '2027-01-10' })
    ).json().id;
    await alice.patch(`/taches/${tache}/complete/`);
    await alice.patch(`/opportunites/${o}/`, { etape: 'conclusion', resultat: 'gagnee' });

    const page = (await alice.get(`/clients/${c}/timeline/`)).json();
    expect(page.next).toBeNull();
    expect(page.results.map((r: any) => r.resume)).toEqual([
      'Opportunité « Four neuf » gagnée',
      'Tâche « Livrer » terminée',
      'Tâche « Livrer » créée',
      'Devis v1 accepté',
      'Devis v1 créé pour « Four neuf » (8 000,00 € HT)',
      'Réunion : Visite du fournil',
      '« Four neuf » : Prospect → Qualification',
      'Opportunité « Four neuf » créée (8 000,00 €)',
      'Client « Boulangerie Lemoine » créé',
    ]);
    expect(page.results[0]).toMatchObject({
      kind: 'evenement',
      type: 'opportunite_gagnee',
      auteur: aliceId,
      auteurNom: 'alice Test',
      donnees: { de: 'qualification', vers: 'conclusion' },
    });
    expect(page.results[3]).toMatchObject({ type: 'devis_accepte', auteurNom: 'manager Test' });
    expect(page.results[5]).toMatchObject({
      kind: 'activite',
      type: 'reunion',
      sujet: 'Visite du fournil',
      donnees: null,
    });
    const opp = (await alice.get(`/opportunites/${o}/timeline/`)).json();
    expect(opp.results.map((r: any) => r.type)).toEqual([
      'opportunite_gagnee',
      'devis_accepte',
      'devis_cree',
      'reunion',
      'opportunite_etape',
      'opportunite_creee',
    ]);
  });

  it('cursor pagination: pages chain without gaps or repeats, ties on the same instant included; constant statements', async () => {
    const c = (await alice.post('/clients/', { nom: 'Garage Martin' })).json().id;
    const when = '2026-09-01T08:00:00.000Z';
    await t.sql(
      `insert into evenements (type, client_id, auteur_id, date, resume) select 'client_cree', ?, ?, ?::timestamptz, 'e' || g from generate_series(1, 7) g`,
      [c, aliceId, when],
    );
    await t.sql(
      `insert into activites (type, sujet, client_id, auteur_id, date) select 'note', 'a' || g, ?, ?, ?::timestamptz from generate_series(1, 6) g`,
      [c, aliceId, when],
    );
    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const q: string = next ? `&cursor=${next}` : '';
      const { result, statements } = await t.countSql(
        (): Promise<LightMyRequestResponse> => alice.get(`/clients/${c}/timeline/?pageSize=4${q}`),
      );
      expect(result.statusCode).toBe(200);
      expect(statements.filter((s) => /evenements/.test(s)).length).toBe(1);
      const body: { results: any[]; next: string | null } = result.json();
      seen.push(...body.results.map((r: any) => `${r.kind}:${r.id}`));
      next = body.next;
      pages++;
    } while (next);
    expect(pages).toBe(4); // 14 items (with the client's own creation event) by 4
    expect(new Set(seen).size).toBe(14);
    expect((await alice.get(`/clients/${c}/timeline/?cursor=nimportequoi`)).statusCode).toBe(400);
    expect((await alice.get(`/clients/${c}/timeline/?pageSize=101`)).statusCode).toBe(400);
  });

  it('a commercial never sees another one’s timeline (404), the manager does', async () => {
    expect((await alice.get(`/clients/${clientB}/timeline/`)).statusCode).toBe(404);
    const oB = (await bob.post('/opportunites/', { nom: 'Chambres', client: clientB })).json().id;
    expect((await alice.get(`/opportunites/${oB}/timeline/`)).statusCode).toBe(404);
    expect((await manager.get(`/opportunites/${oB}/timeline/`)).json().results[0].type).toBe('opportunite_creee');
    expect((await alice.get('/clients/999999/timeline/')).statusCode).toBe(404);
  });

  it('a refused change records no event', async () => {
    const before = await t.sql('select count(*)::int as n from evenements');
    expect((await alice.post(`/opportunites/${oppA}/avancer-etape/`, {})).statusCode).toBe(200);
    // to conclusion without a result → 400, nothing recorded
    await alice.patch(`/opportunites/${oppA}/`, { etape: 'negociation' });
    expect((await alice.post(`/opportunites/${oppA}/avancer-etape/`, {})).statusCode).toBe(400);
    const after = await t.sql('select count(*)::int as n from evenements');
    expect(after[0].n - before[0].n).toBe(2);
  });
});

describe('demo data', () => {
  it('pnpm seed-demo gives contacts, activities and a believable timeline (past dates, newest first)', async () => {
    // On this test's database (the demo users and clients are new to it): no second app to start.
    expect(await seedDemo(t.orm.em.fork() as EntityManager)).toEqual({ created: true });
    const paul = await t.as('paul', DEMO_PASSWORD);
    const clients = (await paul.get('/clients/?search=boulangerie')).json();
    const id = clients.results[0].id;
    const contacts = (await paul.get(`/clients/${id}/contacts/`)).json();
    expect(contacts.results[0]).toMatchObject({ nomComplet: 'Sophie Dupont', principal: true });
    const page = (await paul.get(`/clients/${id}/timeline/?pageSize=100`)).json();
    const kinds = new Set(page.results.map((r: any) => r.kind));
    expect(kinds).toEqual(new Set(['activite', 'evenement']));
    const dates = page.results.map((r: any) => Date.parse(r.date));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    expect(Date.now() - dates.at(-1)).toBeGreaterThan(7 * 86_400_000);
    expect((await paul.get('/notifications/')).json().count).toBeGreaterThan(0);
  });
});
