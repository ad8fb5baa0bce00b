import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type RestClient } from './helpers.js';

/**
 * The calendar feed (`GET /api/calendrier/{token}.ics`): a user's tâches and the estimated closing
 * dates of their open opportunités as RFC 5545, at a secret URL that works without logging in,
 * revocable and renewable. Checked with ical.js, an independent parser.
 */
let t: TestApp;
let paul: RestClient;
let julie: RestClient;
let paulId: number;

beforeAll(async () => {
  t = await startTestApp();
  paulId = await t.user('paul', 'commercial');
  await t.user('julie', 'commercial');
  paul = await t.as('paul');
  julie = await t.as('julie');
});
afterAll(async () => t?.close());

const feed = (url: string) => t.app.inject({ method: 'GET', url });

function events(ics: string) {
  const cal = new ICAL.Component(ICAL.parse(ics));
  return cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
}

describe('calendar feed', () => {
  it('publishes my tâches and expected closings, not other people’s, as valid iCalendar', async () => {
    const client = (await paul.post('/clients/', { nom: 'Boulangerie Lefèvre; Fils, et Cie' })).json();
    const mine = (
      await paul.post('/taches/', {
        titre: 'Rappeler M. Lefèvre',
        description: 'Ligne 1\nLigne 2, avec virgule; et point-virgule',
        priorite: 'haute',
        dateEcheance: '2027-03-15',
        assigneA: paulId,
        client: client.id,
      })
    ).json();
    await paul.post('/opportunites/', {
      nom: 'Four à pain — très longue désignation pour vérifier le pliage des lignes à 75 octets',
      client: client.id,
      montant: 12500.5,
      probabilite: 40,
      dateConclusionEstimee: '2027-04-01',
    });
    const jClient = (await julie.post('/clients/', { nom: 'Client de Julie' })).json();
    await julie.post('/taches/', {
      titre: 'Tâche de Julie',
      priorite: 'basse',
      dateEcheance: '2027-03-16',
      client: jClient.id,
    });

    const created = await paul.post('/calendrier/jeton/');
    expect(created.statusCode, created.body).toBe(201);
    const { url } = created.json();
    expect(url).toMatch(/^\/api\/calendrier\/[a-z2-7]{32}\.ics$/);
    expect((await paul.get('/calendrier/jeton/')).json()).toMatchObject({ actif: true });

    const res = await feed(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.body).toMatch(/\r\n/);
    for (const line of res.body.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const evs = events(res.body);
    expect(evs.map((e) => e.summary).sort()).toEqual([
      'Conclusion prévue : Four à pain — très longue désignation pour vérifier le pliage des lignes à 75 octets',
      'Tâche : Rappeler M. Lefèvre',
    ]);
    const tache = evs.find((e) => e.uid === `tache-${mine.id}@crm`)!;
    expect(tache.startDate.toString()).toBe('2027-03-15');
    expect(tache.startDate.isDate).toBe(true);
    expect(tache.description).toContain('Ligne 1\nLigne 2, avec virgule; et point-virgule');
    expect(tache.description).toContain('Client : Boulangerie Lefèvre; Fils, et Cie');
    expect(tache.description).toContain('Priorité : Haute');
    const opp = evs.find((e) => e.uid.startsWith('opportunite-'))!;
    expect(opp.startDate.toString()).toBe('2027-04-01');
    expect(opp.description).toMatch(/12\s500,50\s€ \(probabilité 40 %\)/);
  });

  it('is revocable and renewable: old URLs answer 404 in the contract shape', async () => {
    const first = (await julie.post('/calendrier/jeton/')).json().url;
    expect((await feed(first)).statusCode).toBe(200);
    const second = (await julie.post('/calendrier/jeton/')).json().url;
    expect(second).not.toBe(first);
    const old = await feed(first);
    expect(old.statusCode).toBe(404);
    expect(old.json()).toMatchObject({ code: 'NOT_FOUND', fieldErrors: {} });
    expect((await feed(second)).statusCode).toBe(200);
    expect((await julie.delete('/calendrier/jeton/')).statusCode).toBe(204);
    expect((await feed(second)).statusCode).toBe(404);
    expect((await julie.get('/calendrier/jeton/')).json()).toEqual({ actif: false, dateCreation: null });
    expect((await feed('/api/calendrier/pasunjeton.ics')).statusCode).toBe(404);
    expect((await t.anonymous().post('/calendrier/jeton/')).statusCode).toBe(401);
    const audit = await t.sql(`select action from audit_log where action like 'calendrier.%' order by id`);
    expect(audit.map((a) => a.action)).toEqual([
      'calendrier.creation',
      'calendrier.creation',
      'calendrier.creation',
      'calendrier.revocation',
    ]);
  });
});
