import type { EntityManager } from '@crm/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { jobsFor } from '../src/jobs/index.js';
import { dayIn } from '../src/jobs/resumeQuotidien.js';
import { envoyerResumesQuotidiens } from '../src/services/resumeQuotidien.js';
import { startTestApp, type TestApp } from './helpers.js';

/**
 * The daily digest e-mail (issue #11, optional point): one mail per user and day through the
 * outbox, listing that user's own tâches due today and overdue and their unread notifications;
 * nothing for a user with nothing to do, without an address or deactivated; exactly once per day
 * even when runs race; scheduled in Europe/Paris unless switched off.
 */
let t: TestApp;
let julie: number;
let marc: number;
let oisif: number;
let parti: number;
const DAY = '2026-12-07';
const opts = { day: DAY, publicUrl: 'https://crm.example.fr' };
const run = () => (t.orm.em.fork() as EntityManager).transactional((em) => envoyerResumesQuotidiens(em, opts));
const mails = () =>
  t.sql<{ destinataire: string; sujet: string; corps_texte: string }>(
    'select destinataire, sujet, corps_texte from courriels order by id',
  );

beforeAll(async () => {
  t = await startTestApp({ env: { JOBS_WORKERS: 'false' } });
  julie = await t.user('julie', 'commercial', { email: 'julie@example.fr' });
  marc = await t.user('marc', 'commercial', { email: 'marc@example.fr' });
  oisif = await t.user('oisif', 'commercial', { email: 'oisif@example.fr' });
  parti = await t.user('parti', 'commercial', { email: 'parti@example.fr', isActive: false });
  await t.sql(`update users set first_name = 'Julie' where id = ?`, [julie]);
  const [{ id: client }] = await t.sql(
    `insert into clients (nom, societe, responsable_id) values ('Lefèvre', 'Lefèvre SA', ?) returning id`,
    [julie],
  );
  const tache = (titre: string, user: number, due: string, statut = 'a_faire', pos = 0) =>
    t.sql(
      `insert into taches (titre, assigne_a_id, client_id, priorite, date_echeance, statut, position) values (?, ?, ?, 'haute', ?, ?, ?)`,
      [titre, user, client, due, statut, pos],
    );
  await tache('Rappeler Lefèvre', julie, DAY, 'a_faire', 1);
  await tache('Envoyer le devis', julie, '2026-12-01', 'en_cours', 2);
  await tache('Déjà faite', julie, '2026-12-01', 'terminee', 3);
  await tache('Plus tard', julie, '2026-12-20', 'a_faire', 4);
  await tache('Tâche de Marc', marc, '2026-12-05', 'a_faire', 5);
  await tache('Tâche d’un parti', parti, DAY, 'a_faire', 6);
  await t.sql(
    `insert into notifications (user_id, type, message) values (?, 'tache_assignee', 'Une tâche vous est assignée')`,
    [marc],
  );
});
afterAll(async () => t?.close());

describe('daily digest', () => {
  it('mails each active user with something to do, their own tâches only, once a day however many runs race', async () => {
    const runs = await Promise.allSettled([run(), run(), run()]);
    const sent = runs.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    expect(sent.sort()).toEqual([julie, marc].sort());
    expect(await run()).toEqual([]);
    const all = await mails();
    expect(all.map((m) => m.destinataire).sort()).toEqual(['julie@example.fr', 'marc@example.fr']);
    const toJulie = all.find((m) => m.destinataire === 'julie@example.fr')!;
    expect(toJulie.sujet).toBe("Votre journée du 07/12/2026 : 1 tâche pour aujourd'hui, 1 tâche en retard");
    expect(toJulie.corps_texte).toContain('Bonjour Julie,');
    expect(toJulie.corps_texte).toContain("- Rappeler Lefèvre (Lefèvre) — aujourd'hui, priorité haute");
    expect(toJulie.corps_texte).toContain('- Envoyer le devis (Lefèvre) — en retard, échéance le 01/12/2026');
    expect(toJulie.corps_texte).toMatch(/https:\/\/crm\.example\.fr\/taches\/\d+/);
    expect(toJulie.corps_texte).not.toContain('Déjà faite');
    expect(toJulie.corps_texte).not.toContain('Plus tard');
    expect(toJulie.corps_texte).not.toContain('Marc');
    const toMarc = all.find((m) => m.destinataire === 'marc@example.fr')!;
    expect(toMarc.sujet).toBe('Votre journée du 07/12/2026 : 1 tâche en retard, 1 notification non lue');
    expect(toMarc.corps_texte).toContain('- Tâche de Marc (Lefèvre) — en retard, échéance le 05/12/2026');
    expect(toMarc.corps_texte).not.toContain('Rappeler');
    expect(toMarc.corps_texte).not.toContain('Envoyer le devis');
    // Each mail's delivery is queued in the same transaction (the outbox).
    const [{ n }] = await t.sql(`select count(*)::int as n from pgboss.job where name = 'courriel.envoyer'`);
    expect(n).toBe(2);
    const rows = await t.sql('select user_id, courriel_id from resumes_quotidiens order by user_id');
    expect(rows.map((r) => r.user_id)).toEqual([julie, marc].sort((a, b) => a - b));
    expect(rows.every((r) => r.courriel_id !== null)).toBe(true);
    expect([oisif, parti].some((id) => rows.some((r) => r.user_id === id))).toBe(false);
  });

  it('is written again the next day', async () => {
    const next = await (t.orm.em.fork() as EntityManager).transactional((em) =>
      envoyerResumesQuotidiens(em, { ...opts, day: '2026-12-08' }),
    );
    expect(next.sort()).toEqual([julie, marc].sort());
  });

  it('is scheduled on weekdays at 07:00 Paris time, or not at all when switched off', () => {
    const on = jobsFor(loadConfig({ JWT_SECRET: 'x'.repeat(40) })).find((j) => j.name === 'notifications.resume');
    expect(on).toMatchObject({ cron: '0 7 * * 1-5', tz: 'Europe/Paris' });
    expect(
      jobsFor(loadConfig({ JWT_SECRET: 'x'.repeat(40), DIGEST_SCHEDULE: 'off' })).some(
        (j) => j.name === 'notifications.resume',
      ),
    ).toBe(false);
    expect(dayIn('Europe/Paris', new Date('2026-12-06T23:30:00Z'))).toBe('2026-12-07');
  });
});
