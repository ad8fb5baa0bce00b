import { LABELS } from '@crm/shared';
import { formatDate, formatMoney, formatQuantity, formatRate } from '../lib/pdf.js';
import type { PublicDevis } from '../services/devisPublic.js';

/** The French HTML page of a public devis (no script: plain forms, so it works under the API's CSP). */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d2733;line-height:1.45}
main{max-width:860px;margin:0 auto;padding:24px 16px 48px}
.card{background:#fff;border-radius:10px;padding:20px;margin-bottom:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.5rem;margin:0 0 4px} h2{font-size:1.1rem;margin:0 0 12px}
.muted{color:#556270} table{width:100%;border-collapse:collapse;font-size:.95rem}
th,td{padding:8px 6px;border-bottom:1px solid #e2e7ec;text-align:left;vertical-align:top} td.n,th.n{text-align:right;white-space:nowrap}
.totaux td{border:0} .ttc td{font-weight:700;font-size:1.05rem}
label{display:block;font-weight:600;margin:12px 0 4px} input[type=text],textarea{width:100%;box-sizing:border-box;padding:10px;font-size:1rem;border:1px solid #98a4b0;border-radius:6px}
.check{display:flex;gap:8px;align-items:center;font-weight:600;margin-top:12px} .check input{width:22px;height:22px}
button{margin-top:14px;padding:12px 18px;font-size:1rem;border-radius:6px;border:0;cursor:pointer}
.ok{background:#1f6f43;color:#fff} .ko{background:#fff;color:#8a1c1c;border:1px solid #8a1c1c}
button:focus-visible,a:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.etat{padding:12px;border-radius:6px;background:#e8f3ec;font-weight:600} .etat.refuse{background:#f8e9e9}
@media (max-width:600px){th.opt,td.opt{display:none}}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function devisPage(d: PublicDevis, action: string, error?: string): string {
  const title = `Devis ${d.numero} v${d.version} — ${d.entreprise.nom}`;
  const rows = (
    d.lignes?.length
      ? d.lignes
      : [
          {
            designation: d.objet,
            quantite: 1,
            prixUnitaire: d.montant,
            tauxTva: d.montant ? Math.round((d.montantTva / d.montant) * 10000) / 100 : 20,
          },
        ]
  )
    .map(
      (l) =>
        `<tr><td>${esc(l.designation)}</td><td class="n">${esc(formatQuantity(l.quantite))}</td><td class="n opt">${esc(formatMoney(l.prixUnitaire))}</td><td class="n opt">${esc(formatRate(l.tauxTva))}</td><td class="n">${esc(formatMoney(Math.round(l.quantite * l.prixUnitaire * 100) / 100))}</td></tr>`,
    )
    .join('');
  const open = d.statut === 'envoye' || d.statut === 'consulte';
  const answer = open
    ? `<section class="card" aria-labelledby="rep"><h2 id="rep">Votre réponse</h2>
${error ? `<p role="alert" class="etat refuse">${esc(error)}</p>` : ''}
<form method="post" action="${esc(action)}accepter/">
<label for="nom">Nom et prénom du signataire</label><input type="text" id="nom" name="nom" required maxlength="200" autocomplete="name">
<div class="check"><input type="checkbox" id="bpa" name="bonPourAccord" value="true" required><label for="bpa" style="margin:0">Bon pour accord</label></div>
<button type="submit" class="ok">Accepter le devis</button></form>
<form method="post" action="${esc(action)}refuser/">
<label for="motif">Motif du refus (facultatif)</label><textarea id="motif" name="motif" rows="3" maxlength="2000"></textarea>
<button type="submit" class="ko">Refuser le devis</button></form></section>`
    : `<section class="card"><p class="etat ${d.statut === 'refuse' ? 'refuse' : ''}" role="status">${
        d.statut === 'accepte'
          ? `Devis accepté le ${esc(formatDate(d.dateReponse ?? d.dateCreation))} par ${esc(d.signataire ?? '')}. Merci pour votre confiance.`
          : `Devis refusé le ${esc(formatDate(d.dateReponse ?? d.dateCreation))}. Merci de votre réponse.`
      }</p></section>`;
  return layout(
    title,
    `<header class="card"><p class="muted">${esc(d.entreprise.nom)}${d.entreprise.contact ? ` — ${esc(d.entreprise.contact)}` : ''}</p>
<h1>Devis ${esc(d.numero)} v${d.version}</h1>
<p>Pour ${esc(d.client.nom)}${d.client.societe ? ` (${esc(d.client.societe)})` : ''} — objet : ${esc(d.objet)}</p>
<p class="muted">Émis le ${esc(formatDate(d.dateCreation))}, valable jusqu’au ${esc(formatDate(d.dateValidite))} — statut : ${esc(LABELS.devisStatut[d.statut])}</p>
${open ? `<p><a href="${esc(d.pdf)}">Télécharger le devis (PDF)</a></p>` : ''}</header>
<section class="card" aria-labelledby="det"><h2 id="det">Détail</h2><table><thead><tr><th>Désignation</th><th class="n">Quantité</th><th class="n opt">PU HT</th><th class="n opt">TVA</th><th class="n">Total HT</th></tr></thead>
<tbody>${rows}</tbody></table>
<table class="totaux"><tbody><tr><td>Total HT</td><td class="n">${esc(formatMoney(d.montant))}</td></tr><tr><td>TVA</td><td class="n">${esc(formatMoney(d.montantTva))}</td></tr>
<tr class="ttc"><td>Total TTC</td><td class="n">${esc(formatMoney(d.montantTtc))}</td></tr></tbody></table>
${d.contenu.trim() ? `<h2>Conditions</h2><p style="white-space:pre-line">${esc(d.contenu)}</p>` : ''}</section>
${answer}`,
  );
}

export function notFoundPage(): string {
  return layout(
    'Lien de devis invalide',
    `<section class="card"><h1>Ce lien n’est plus valable</h1>
<p>Le devis a peut-être expiré, été remplacé par une nouvelle version, ou déjà reçu une réponse. Contactez votre interlocuteur pour en obtenir un nouveau lien.</p></section>`,
  );
}
