import { formatDate, formatMoney } from '../../lib/pdf.js';
import { dateValidite, type DevisDocument } from './document.js';

/** The mail that carries the devis to the client: text and HTML, with the link to its public page. */
export function mailBody(
  doc: DevisDocument,
  company: string,
  salutation: string,
  lien: string,
): { text: string; html: string } {
  const ttc = formatMoney((doc.montantCents + doc.tvaCents) / 100);
  const ht = formatMoney(doc.montantCents / 100);
  const signature = doc.contact ? `${doc.contact.nom}\n${company}` : company;
  const text =
    `Bonjour ${salutation},\n\n` +
    `Veuillez trouver ci-joint notre devis ${doc.numero} (version ${doc.version}) pour « ${doc.opportuniteNom} », ` +
    `d'un montant de ${ht} HT, soit ${ttc} TTC.\n\n` +
    `Vous pouvez le consulter et y répondre en ligne (accepter ou refuser) jusqu'au ${formatDate(dateValidite(doc.dateCreation))} :\n${lien}\n\n` +
    `Nous restons à votre disposition pour toute question.\n\nCordialement,\n${signature}\n`;
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<p>Bonjour ${esc(salutation)},</p>
<p>Veuillez trouver ci-joint notre devis <strong>${esc(doc.numero)}</strong> (version ${doc.version}) pour « ${esc(doc.opportuniteNom)} »,
d'un montant de <strong>${esc(ht)} HT</strong>, soit <strong>${esc(ttc)} TTC</strong>.</p>
<p><a href="${esc(lien)}">Consulter le devis et y répondre en ligne</a> (jusqu'au ${esc(formatDate(dateValidite(doc.dateCreation)))}).</p>
<p>Nous restons à votre disposition pour toute question.</p>
<p>Cordialement,<br>${signature.split('\n').map(esc).join('<br>')}</p>`;
  return { text, html };
}

/** Domain of the sender address, for our Message-IDs. */
export const mailDomain = (from: string): string => /@([^>\s]+)/.exec(from)?.[1] ?? 'crm.local';
