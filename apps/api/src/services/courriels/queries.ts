import type { EntityManager } from '@crm/db';
import type { CourrielDetailOut, CourrielOut, Page, courrielListInput } from '@crm/shared';
import type { z } from 'zod';
import { notFound } from '../../lib/errors.js';
import { sql, sqlOne } from '../../lib/sql/runner.js';
import { columns } from '../../lib/sql/columns.js';
import { ISO_UTC } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { addSearch, listResource, userName, type Resource } from '../listing.js';

/** The outbox as admins read it (`GET /api/courriels/`, detail, attachment download). */

const COURRIEL_COLUMNS = columns<CourrielOut>({
  id: 'm.id',
  destinataire: 'm.destinataire',
  sujet: 'm.sujet',
  statut: 'm.statut',
  tentatives: 'm.tentatives',
  prochaineTentative: ISO_UTC('m.prochaine_tentative'),
  derniereErreur: 'm.derniere_erreur',
  devis: 'm.devis_id',
  expediteur: 'm.expediteur_id',
  expediteurNom: userName('u'),
  dateCreation: ISO_UTC('m.date_creation'),
  dateEnvoi: ISO_UTC('m.date_envoi'),
});

/** The detail adds the message and its attachments (their download paths). */
const DETAIL_COLUMNS = columns<Omit<CourrielDetailOut, keyof CourrielOut>>({
  repondreA: 'm.repondre_a',
  corpsTexte: 'm.corps_texte',
  corpsHtml: 'm.corps_html',
  piecesJointes: `coalesce((select json_agg(json_build_object('id', p.id, 'nom', p.nom, 'type', p.type, 'taille', octet_length(p.contenu),
      'url', '/api/courriels/' || m.id || '/pieces-jointes/' || p.id || '/') order by p.id)
    from courriel_pieces_jointes p where p.courriel_id = m.id), '[]')`,
});

const COURRIELS: Resource<CourrielOut> = {
  from: 'from courriels m left join users u on u.id = m.expediteur_id',
  countFrom: 'from courriels m',
  alias: 'm',
  columns: COURRIEL_COLUMNS.select,
  orderColumns: {},
  defaultOrder: 'm.date_creation desc, m.id desc',
  map: COURRIEL_COLUMNS.map,
};

export function listCourriels(em: EntityManager, input: z.infer<typeof courrielListInput>): Promise<Page<CourrielOut>> {
  const where = new Where();
  if (input.statut) where.add('m.statut = ?', input.statut);
  if (input.devis) where.add('m.devis_id = ?', input.devis);
  addSearch(where, input.search, "crm_fold(m.destinataire || ' ' || m.sujet)");
  return listResource(em, COURRIELS, input, where);
}

export async function getCourriel(em: EntityManager, id: number): Promise<CourrielDetailOut> {
  const row = await sqlOne(
    em,
    `select ${COURRIEL_COLUMNS.select}, ${DETAIL_COLUMNS.select} ${COURRIELS.from} where m.id = ?`,
    [id],
  );
  if (!row) throw notFound();
  return { ...COURRIEL_COLUMNS.map(row), ...DETAIL_COLUMNS.map(row) };
}

export async function getPieceJointe(
  em: EntityManager,
  courrielId: number,
  id: number,
): Promise<{ nom: string; type: string; contenu: Buffer }> {
  const [row] = await sql(
    em,
    'select nom, type, contenu from courriel_pieces_jointes where id = ? and courriel_id = ?',
    [id, courrielId],
  );
  if (!row) throw notFound();
  return row as { nom: string; type: string; contenu: Buffer };
}
