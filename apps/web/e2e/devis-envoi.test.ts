import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './harness';

/** A minimal real SMTP server (RFC 5321 dialogue over TCP) that keeps every message it receives. */
function startSmtp(): Promise<{
  port: number;
  messages: { from: string; to: string[]; data: string }[];
  close: () => void;
}> {
  const messages: { from: string; to: string[]; data: string }[] = [];
  const server = net.createServer((socket) => {
    let from = '';
    let to: string[] = [];
    let inData = false;
    let data = '';
    let buffer = '';
    socket.write('220 test-smtp ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push({ from, to, data });
            socket.write('250 OK queued\r\n');
          } else data += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') socket.write('250 test-smtp\r\n');
        else if (cmd === 'MAIL') {
          from = line;
          to = [];
          data = '';
          socket.write('250 OK\r\n');
        } else if (cmd === 'RCPT') {
          to.push(line);
          socket.write('250 OK\r\n');
        } else if (cmd === 'DATA') {
          inData = true;
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (cmd === 'QUIT') socket.end('221 Bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as AddressInfo).port, messages, close: () => server.close() }),
    ),
  );
}

let e2e: E2E;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let devisId: number;

beforeAll(async () => {
  smtp = await startSmtp();
  e2e = await startE2E({
    env: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_FROM: 'Ventes <ventes@crm.test>',
      JOBS_POLL_SECONDS: '0.5',
    },
  });
  await e2e.user('marie', 'manager');
  const api = await e2e.api('marie');
  const c = await api('POST', '/clients/', { nom: 'Boulangerie Martin', email: 'contact@boulangerie-martin.fr' });
  const o = await api('POST', '/opportunites/', { nom: 'Four neuf', client: c.id, montant: 12000, probabilite: 50 });
  devisId = (
    await api('POST', '/devis/', {
      opportunite: o.id,
      lignes: [{ designation: 'Four à sole', quantite: 1, prixUnitaire: 9800, tauxTva: 20 }],
    })
  ).id;
});
afterAll(async () => {
  await e2e?.close();
  smtp?.close();
});

describe('devis sending', () => {
  it('« Envoyer au client » answers at once; the outbox then mails the PDF and the devis shows the delivery', async () => {
    const page = await e2e.loggedIn('marie', `/devis/${devisId}`);
    await page.getByRole('heading', { name: /^Devis D\d{4}-\d{5} v1$/ }).waitFor();
    // COMPANY_* is not set here: the page warns before anything is sent with the placeholder seller.
    await page
      .getByText('Les coordonnées de votre entreprise sur les devis sont encore celles par défaut', { exact: false })
      .waitFor();
    await page.getByRole('button', { name: 'Envoyer au client' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Envoyer', exact: true }).click();
    await page.getByText('Devis envoyé : l’e-mail part au client en arrière-plan.').waitFor();
    await expect.poll(() => smtp.messages.length).toBe(1);
    const mail = smtp.messages[0];
    expect(mail.to.join()).toContain('contact@boulangerie-martin.fr');
    expect(mail.data).toMatch(/Content-Type: application\/pdf/i);
    // The devis is now « Envoyé » on screen and on the server; sending again stays possible.
    const marie = await e2e.api('marie'); // logged in once, not at each poll (a password hash each)
    await expect.poll(async () => (await marie('GET', `/devis/${devisId}/`)).statut).toBe('envoye');
    await expect.poll(async () => (await marie('GET', `/devis/${devisId}/`)).courriel?.statut).toBe('envoye');
    await page.reload();
    await page.getByText('Envoyé', { exact: true }).first().waitFor();
    await page.getByRole('status').filter({ hasText: 'E-mail au client' }).getByText('Envoyé').waitFor();
    await page.context().close();
  });

  it('the client opens the link of the mail, without an account, and accepts the devis; the team sees it', async () => {
    const [mail] = await e2e.app.orm.em
      .getConnection()
      .execute(`select corps_texte from courriels where devis_id = ? order by id desc limit 1`, [devisId]);
    const link = /\/api\/public\/devis\/[A-Za-z0-9_-]{43}\//.exec(mail.corps_texte)![0];
    const context = await e2e.browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${e2e.base}${link}`);
    await page.getByRole('heading', { name: /^Devis D\d{4}-\d{5} v1$/ }).waitFor();
    await page.getByText('Four à sole').waitFor();
    await page.getByRole('link', { name: 'Télécharger le devis (PDF)' }).waitFor();
    // Keyboard only: name, « Bon pour accord », accept.
    await page.getByLabel('Nom et prénom du signataire').focus();
    await page.keyboard.type('Claire Martin');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    expect(await page.getByLabel('Bon pour accord').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Accepter le devis' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Devis accepté le' })
      .filter({ hasText: 'Claire Martin' })
      .waitFor();
    await context.close();

    const api = await e2e.api('marie');
    const d = await api('GET', `/devis/${devisId}/`);
    expect(d).toMatchObject({ statut: 'accepte', signataire: 'Claire Martin' });
    const team = await e2e.loggedIn('marie', `/devis/${devisId}`);
    await team.getByText('par Claire Martin').waitFor();
    await team.getByText('Accepté', { exact: true }).first().waitFor();
    await team.context().close();
  });

  it('admins see the outbox on the « Courriels » page, each mail with its PDF', async () => {
    await e2e.user('root', 'admin');
    const page = await e2e.loggedIn('root');
    await page.getByRole('link', { name: 'Courriels', exact: true }).click();
    await page.getByRole('heading', { name: 'Courriels' }).waitFor();
    await page.getByRole('button', { name: /^Devis D\d{4}-\d{5} \(version 1\)/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('contact@boulangerie-martin.fr').waitFor();
    await dialog.getByText('Bonjour Boulangerie Martin', { exact: false }).waitFor();
    const download = page.waitForEvent('download');
    await dialog.getByRole('link', { name: /^devis-D\d{4}-\d{5}-v1\.pdf$/ }).click();
    expect((await download).suggestedFilename()).toMatch(/^devis-D\d{4}-\d{5}-v1\.pdf$/);
    await page.context().close();
  });
});
