import type { EntityManager } from '@crm/db';
import type { CourrielDetailOut, CourrielOut, Page, courrielListInput } from '@crm/shared';
import type { z } from 'zod';
import { notFound } from '../../lib/errors.js';
import { sql, sqlOne } from '../../lib/sql/runner.js';
import { iso } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { addSearch, listResource, userName, type Resource, type Row } from '../listing.js';

/** The outbox as admins read it (`GET /api/courriels/`, detail, attachment download). */

const COLUMNS = `m.id, m.destinataire, m.sujet, m.statut, m.tentatives, m.prochaine_tentative, m.derniere_erreur, m.devis_id,
  m.expediteur_id, ${userName('u')} as expediteur_nom, m.date_creation, m.date_envoi`;

function toOut(r: Row): CourrielOut {
  return {
    id: r.id,
    destinataire: r.destinataire,
    sujet: r.sujet,
    statut: r.statut,
    tentatives: r.tentatives,
    prochaineTentative: iso(r.prochaine_tentative),
    derniereErreur: r.derniere_erreur,
    devis: r.devis_id,
    expediteur: r.expediteur_id,
    expediteurNom: r.expediteur_id ? r.expediteur_nom : null,
    dateCreation: iso(r.date_creation)!,
    dateEnvoi: iso(r.date_envoi),
  };
}

const COURRIELS: Resource<CourrielOut> = {
  from: 'from courriels m left join users u on u.id = m.expediteur_id',
  countFrom: 'from courriels m',
  alias: 'm',
  columns: COLUMNS,
  orderColumns: {},
  defaultOrder: 'm.date_creation desc, m.id desc',
  map: toOut,
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
    `select ${COLUMNS}, m.repondre_a, m.corps_texte, m.corps_html,
            coalesce((select json_agg(json_build_object('id', p.id, 'nom', p.nom, 'type', p.type, 'taille', octet_length(p.contenu)) order by p.id)
                        from courriel_pieces_jointes p where p.courriel_id = m.id), '[]') as pieces
       ${COURRIELS.from} where m.id = ?`,
    [id],
  );
  if (!row) throw notFound();
  return {
    ...toOut(row),
    repondreA: row.repondre_a,
    corpsTexte: row.corps_texte,
    corpsHtml: row.corps_html,
    piecesJointes: (row.pieces as { id: number; nom: string; type: string; taille: number }[]).map((p) => ({
      ...p,
      url: `/api/courriels/${id}/pieces-jointes/${p.id}/`,
    })),
  };
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
