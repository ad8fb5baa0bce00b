import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './harness';

/** A minimal real SMTP server (RFC 5321 dialogue over TCP) that keeps every message it receives. */
function startSmtp(): Promise<{ port: number; messages: { from: string; to: string[]; data: string }[]; close: () => void }> {
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
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
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
        else if (cmd === 'MAIL') (from = line), (to = []), (data = ''), socket.write('250 OK\r\n');
        else if (cmd === 'RCPT') to.push(line), socket.write('250 OK\r\n');
        else if (cmd === 'DATA') (inData = true), socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        else if (cmd === 'QUIT') socket.end('221 Bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, messages, close: () => server.close() })),
  );
}

let e2e: E2E;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let devisId: number;

beforeAll(async () => {
  smtp = await startSmtp();
  e2e = await startE2E({ env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_FROM: 'Ventes <ventes@crm.test>' } });
  await e2e.user('marie', 'manager');
  const api = await e2e.api('marie');
  const c = await api('POST', '/clients/', { nom: 'Boulangerie Martin', email: 'contact@boulangerie-martin.fr' });
  const o = await api('POST', '/opportunites/', { nom: 'Four neuf', client: c.id, montant: 12000, probabilite: 50 });
  devisId = (await api('POST', '/devis/', { opportunite: o.id, lignes: [{ designation: 'Four à sole', quantite: 1, prixUnitaire: 9800, tauxTva: 20 }] })).id;
});
afterAll(async () => {
  await e2e?.close();
  smtp?.close();
});

describe('devis sending', () => {
  it('« Envoyer au client » mails the PDF to the client and shows the devis as sent', async () => {
    const page = await e2e.loggedIn('marie');
    await page.goto(`${e2e.base}/devis/${devisId}`);
    await page.getByRole('button', { name: 'Envoyer au client' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Envoyer', exact: true }).click();
    await page.getByText('Devis envoyé au client.').waitFor();
    await expect.poll(() => smtp.messages.length).toBe(1);
    const mail = smtp.messages[0];
    expect(mail.to.join()).toContain('contact@boulangerie-martin.fr');
    expect(mail.data).toMatch(/Content-Type: application\/pdf/i);
    // The devis is now « Envoyé » on screen and on the server; sending again stays possible.
    await expect.poll(async () => (await (await e2e.api('marie'))('GET', `/devis/${devisId}/`)).statut).toBe('envoye');
    await page.reload();
    await page.getByText('Envoyé', { exact: true }).first().waitFor();
    await page.context().close();
  });
});
