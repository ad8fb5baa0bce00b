import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { center, isoDay, mouseDrag, PASSWORD, plain, shot, startE2E, type E2E } from './harness';

/**
 * The boards at real volume: 1 000 cards in one column. The headers show the API's true totals
 * (never the loaded cards), a column loads page after page as it scrolls, a drop beyond the first
 * page lands exactly there, and the closed columns show their last 30 days unless « Voir tout ».
 */
let e2e: E2E;
let api: Awaited<ReturnType<E2E['api']>>;
let clientId: number;
const N = 1000;
const euros = (n: number) => plain(new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(n));

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  api = await e2e.api('marie');
  clientId = (await api('POST', '/clients/', { nom: 'Grossiste Volume' })).id;
  // 1 000 cards at « Prospect », keys 1024 apart, amounts 10.50 … (several hundred euros each).
  await e2e.app.orm.em.getConnection().execute(
    `insert into opportunites (nom, client_id, montant, probabilite, etape, position)
     select 'Carte ' || lpad(i::text, 4, '0'), ?, (i % 97) * 10 + 10.5, 30, 'prospect', i * 1024 from generate_series(1, ${N}) as i`,
    [clientId],
  );
  for (const nom of ['À placer', 'Reste en qualification'])
    await api('POST', '/opportunites/', {
      nom,
      client: clientId,
      etape: 'qualification',
      montant: 777,
      probabilite: 50,
    });
  await api('POST', '/opportunites/', {
    nom: 'Gagnée ce mois',
    client: clientId,
    etape: 'conclusion',
    resultat: 'gagnee',
    montant: 1000,
  });
  await api('POST', '/opportunites/', {
    nom: 'Perdue ce mois',
    client: clientId,
    etape: 'conclusion',
    resultat: 'perdue',
    montant: 250,
    probabilite: 90,
  });
  const old = await api('POST', '/opportunites/', {
    nom: 'Gagnée il y a longtemps',
    client: clientId,
    etape: 'conclusion',
    resultat: 'gagnee',
    montant: 9999,
  });
  await e2e.app.orm.em
    .getConnection()
    .execute(`update opportunites set date_conclusion = now() - interval '90 days' where id = ?`, [old.id]);
});
afterAll(() => e2e?.close());

const column = (page: Page, k: string) => page.locator(`section[data-column="${k}"]`);
const headerText = async (page: Page, k: string) =>
  plain(await column(page, k).locator('.board-column-header').textContent());
const shownCards = async (page: Page, k: string) =>
  (await column(page, k).locator('.card-title').allTextContents()).map((s) => s.trim());
const serverColumn = async (etape: string) => {
  const out: string[] = [];
  for (let p = 1; ; p++) {
    const page = await api('GET', `/opportunites/?etape=${etape}&ordering=position&pageSize=100&page=${p}`);
    out.push(...page.results.map((o: { nom: string }) => o.nom));
    if (out.length >= page.count) return out;
  }
};

/** tRPC procedure calls the page made (a batched request names several). */
function recordCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on('request', (r) => {
    const m = /\/trpc\/([^?]+)/.exec(r.url());
    if (m) calls.push(...decodeURIComponent(m[1]).split(','));
  });
  return calls;
}

describe('pipeline with 1 000 cards in a column', () => {
  let page: Page;
  let calls: string[];

  it('shows the true count and sums in the header, loading one page per column', async () => {
    page = await e2e.loggedIn('marie');
    calls = recordCalls(page);
    await page.goto(`${e2e.base}/opportunites/pipeline`);
    await column(page, 'prospect').getByRole('link', { name: 'Carte 0001' }).waitFor();
    const [sums] = await e2e.app.orm.em
      .getConnection()
      .execute(
        `select sum(montant)::float8 as montant, sum(round(montant * probabilite / 100.0, 2))::float8 as pondere from opportunites where etape = 'prospect'`,
      );
    await expect.poll(() => headerText(page, 'prospect')).toContain('1 000');
    const header = await headerText(page, 'prospect');
    expect(header).toContain(euros(sums.montant));
    expect(header).toContain(`pondéré ${euros(sums.pondere)}`);
    expect(plain(await column(page, 'prospect').locator('.count').getAttribute('aria-label'))).toBe('1 000 cartes');
    // One page of 50 cards per column, not the whole column.
    expect(await column(page, 'prospect').locator('[data-card-id]').count()).toBe(50);
    expect(calls.filter((c) => c === 'opportunites.list')).toHaveLength(5);
  });

  it('Conclusion shows won and lost apart, the last 30 days by default, everything with « Voir tout »', async () => {
    expect(await shownCards(page, 'conclusion')).toEqual(['Gagnée ce mois', 'Perdue ce mois']);
    const header = await headerText(page, 'conclusion');
    expect(await column(page, 'conclusion').locator('.count').textContent()).toBe('2');
    expect(header).toContain(`1 gagnée · ${euros(1000)}`);
    expect(header).toContain(`1 perdue · ${euros(250)}`);
    expect(header).toContain('30 derniers jours');
    // A lost deal never counts in a weighted total.
    expect(header).not.toContain('pondéré');
    await column(page, 'conclusion').getByRole('button', { name: 'Voir tout' }).click();
    await column(page, 'conclusion').getByRole('link', { name: 'Gagnée il y a longtemps' }).waitFor();
    await expect.poll(() => headerText(page, 'conclusion')).toContain(`2 gagnées · ${euros(10999)}`);
    expect(await column(page, 'conclusion').locator('.count').textContent()).toBe('3');
    await column(page, 'conclusion').getByRole('button', { name: '30 derniers jours' }).click();
    await expect.poll(() => shownCards(page, 'conclusion')).toEqual(['Gagnée ce mois', 'Perdue ce mois']);
  });

  it('loads the next pages as the column scrolls, the header staying in sight', async () => {
    const list = column(page, 'prospect').locator('.board-cards');
    const box = (await list.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 6 && (await column(page, 'prospect').locator('[data-card-id]').count()) < 100; i++) {
      await page.mouse.wheel(0, 3000);
      await page.waitForTimeout(300);
    }
    await column(page, 'prospect').getByRole('link', { name: 'Carte 0100' }).waitFor({ state: 'attached' });
    expect(await column(page, 'prospect').locator('[data-card-id]').count()).toBeGreaterThanOrEqual(100);
    expect(await column(page, 'prospect').locator('.board-column-header').isVisible()).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect(calls.filter((c) => c === 'opportunites.list').length).toBeLessThan(5 + 6);
  });

  it('a card dropped after the first page lands exactly there, and the headers follow', async () => {
    const target = column(page, 'prospect').locator('[data-card-id]:has(.card-title:text-is("Carte 0071"))');
    await target.scrollIntoViewIfNeeded();
    await column(page, 'prospect')
      .locator('.board-cards')
      .evaluate(
        (el, id) => {
          const card = el.querySelector(`[data-card-id="${id}"]`) as HTMLElement;
          el.scrollTop += card.getBoundingClientRect().top - el.getBoundingClientRect().top - 200;
        },
        await target.getAttribute('data-card-id'),
      );
    const box = (await target.boundingBox())!;
    await mouseDrag(page, await center(page, '[data-card-id]:has(.card-title:text-is("À placer"))'), {
      x: box.x + box.width / 2,
      y: box.y + 12,
    });
    await expect.poll(async () => (await serverColumn('qualification')).includes('À placer')).toBe(false);
    const server = await serverColumn('prospect');
    const at = server.indexOf('À placer');
    expect(at).toBeGreaterThan(50);
    // Where the board shows it is where the server put it: same neighbours.
    const shown = await shownCards(page, 'prospect');
    const i = shown.indexOf('À placer');
    expect([shown[i - 1], shown[i + 1]]).toEqual([server[at - 1], server[at + 1]]);
    expect(['Carte 0070', 'Carte 0071']).toContain(server[at - 1]);
    await shot(page, `crm-pipeline-volume.png`);
    await expect.poll(() => headerText(page, 'prospect')).toContain('1 001');
    const [sums] = await e2e.app.orm.em
      .getConnection()
      .execute(`select sum(montant)::float8 as montant from opportunites where etape = 'prospect'`);
    expect(await headerText(page, 'prospect')).toContain(euros(sums.montant));
    await expect.poll(() => column(page, 'qualification').locator('.count').textContent()).toBe('1');
    await page.reload();
    await column(page, 'prospect').getByRole('link', { name: 'Carte 0001' }).waitFor();
    expect(await headerText(page, 'prospect')).toContain('1 001');
  });
});

describe('task board at volume', () => {
  it('true counts, paging, and Terminée limited to the last 30 days unless « Voir tout »', async () => {
    await e2e.app.orm.em.getConnection().execute(
      `insert into taches (titre, priorite, date_echeance, statut, position, client_id, assigne_a_id)
       select 'Tâche ' || lpad(i::text, 3, '0'), 'moyenne', current_date + 10, 'a_faire', i * 1024, ?, null from generate_series(1, 120) as i`,
      [clientId],
    );
    const done = await api('POST', '/taches/', {
      titre: 'Finie cette semaine',
      priorite: 'basse',
      dateEcheance: isoDay(-2),
      statut: 'terminee',
    });
    const old = await api('POST', '/taches/', {
      titre: 'Finie il y a deux mois',
      priorite: 'basse',
      dateEcheance: isoDay(-70),
      statut: 'terminee',
    });
    await e2e.app.orm.em
      .getConnection()
      .execute(`update taches set date_terminee = now() - interval '60 days' where id = ?`, [old.id]);
    expect(done.statut).toBe('terminee');
    const page = await e2e.loggedIn('marie', '/taches/tableau');
    await column(page, 'a_faire').getByRole('link', { name: 'Tâche 001' }).waitFor();
    await expect.poll(() => column(page, 'a_faire').locator('.count').textContent()).toBe('120');
    expect(await column(page, 'a_faire').locator('[data-card-id]').count()).toBe(50);
    expect(await shownCards(page, 'terminee')).toEqual(['Finie cette semaine']);
    expect(await column(page, 'terminee').locator('.count').textContent()).toBe('1');
    // The button is there for the keyboard (bringing it into sight may already load the page).
    await column(page, 'a_faire').locator('.board-more button').press('Enter');
    await column(page, 'a_faire').getByRole('link', { name: 'Tâche 100' }).waitFor({ state: 'attached' });
    await column(page, 'terminee').getByRole('button', { name: 'Voir tout' }).click();
    await column(page, 'terminee').getByRole('link', { name: 'Finie il y a deux mois' }).waitFor();
    expect(await column(page, 'terminee').locator('.count').textContent()).toBe('2');

    // Bulk actions on ticked cards: the lists' `POST /api/taches/lot/`.
    await page.getByRole('checkbox', { name: 'Sélectionner « Tâche 001 »' }).check();
    await page.getByRole('checkbox', { name: 'Sélectionner « Tâche 002 »' }).check();
    const bar = page.getByRole('region', { name: 'Actions groupées' });
    expect(await bar.getByRole('status').textContent()).toContain('2 lignes sélectionnées');
    await bar.getByLabel('Action').selectOption('changer_priorite');
    await bar.getByLabel('Priorité').selectOption('urgente');
    await bar.getByRole('button', { name: 'Appliquer' }).click();
    await expect
      .poll(async () =>
        (await api('GET', '/taches/?priorite=urgente')).results.map((t: { titre: string }) => t.titre).sort(),
      )
      .toEqual(['Tâche 001', 'Tâche 002']);
    await bar.waitFor({ state: 'detached' });
    await page.context().close();
  });
});

describe('touch drag on a phone', () => {
  it('a swipe scrolls a column, a long press then a slide moves a card to another column (real touch events), « Avancer l’étape » still works', async () => {
    for (const nom of ['Tactile A', 'Tactile B'])
      await api('POST', '/opportunites/', { nom, client: clientId, etape: 'negociation', montant: 10 });
    const context = await e2e.browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${e2e.base}/login`);
    await page.getByLabel("Nom d'utilisateur ou e-mail").fill('marie');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).tap();
    await page.getByRole('heading', { name: /Bonjour/ }).waitFor();
    await page.goto(`${e2e.base}/opportunites/pipeline`);
    const board = page.locator('.board');
    const card = column(page, 'negociation').locator('[data-card-id]:has(.card-title:text-is("Tactile A"))');
    await card.waitFor();
    const cdp = await page.context().newCDPSession(page);
    const touch = (type: string, p?: { x: number; y: number }) =>
      cdp.send('Input.dispatchTouchEvent', {
        type: type as 'touchStart',
        touchPoints: p ? [{ x: Math.round(p.x), y: Math.round(p.y), id: 1 }] : [],
      });

    // A quick swipe up on the long « Prospect » column scrolls that column, it drags nothing.
    const prospect = column(page, 'prospect').locator('.board-cards');
    const before = await serverColumn('prospect');
    const list = (await prospect.boundingBox())!;
    const swipeFrom = { x: list.x + list.width / 2, y: Math.min(list.y + list.height - 40, 800) };
    await touch('touchStart', swipeFrom);
    for (let i = 1; i <= 10; i++) {
      await touch('touchMove', { x: swipeFrom.x, y: swipeFrom.y - i * 30 });
      await page.waitForTimeout(16);
    }
    await touch('touchEnd');
    await expect.poll(() => prospect.evaluate((el) => el.scrollTop)).toBeGreaterThan(100);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect(await serverColumn('prospect')).toEqual(before);

    // Bring « Négociation » to the left of the screen: « Conclusion » shows at its right edge.
    await board.evaluate((el: HTMLElement) => {
      const col = el.querySelector('section[data-column="negociation"]') as HTMLElement;
      el.style.scrollSnapType = 'none';
      el.scrollLeft = col.offsetLeft - el.offsetLeft - 8;
    });
    await page.waitForTimeout(200);
    const from = (await card.locator('.card-row').first().boundingBox())!;
    const start = { x: from.x + 40, y: from.y + from.height / 2 };
    const end = { x: 384, y: start.y + 60 };
    await touch('touchStart', start);
    await page.waitForTimeout(450); // past the press delay
    for (let i = 1; i <= 15; i++) {
      await touch('touchMove', {
        x: start.x + ((end.x - start.x) * i) / 15,
        y: start.y + ((end.y - start.y) * i) / 15,
      });
      await page.waitForTimeout(30);
    }
    await page.waitForTimeout(200);
    await touch('touchEnd');
    const dialog = page.getByRole('dialog', { name: 'Conclure « Tactile A »' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Conclure' }).tap();
    await expect
      .poll(async () =>
        (await api('GET', `/opportunites/?etape=conclusion&search=Tactile`)).results.map((o: any) => [
          o.nom,
          o.resultat,
        ]),
      )
      .toEqual([['Tactile A', 'gagnee']]);
    // A quick tap is not a drag: « Avancer l'étape » still answers.
    await page.getByRole('button', { name: /Avancer l'étape de « Tactile B »/ }).tap();
    const dialogB = page.getByRole('dialog', { name: 'Conclure « Tactile B »' });
    await dialogB.getByLabel('Perdue').tap();
    await dialogB.getByRole('button', { name: 'Conclure' }).tap();
    await expect
      .poll(async () =>
        (await api('GET', `/opportunites/?search=Tactile%20B`)).results.map((o: any) => [o.etape, o.resultat]),
      )
      .toEqual([['conclusion', 'perdue']]);
    await context.close();
  });
});
