import type { EntityManager } from '@crm/db';
import { Opportunite } from '@crm/db';
import type { Etape, OpportuniteOut, Page, Resultat } from '@crm/shared';
import { nextEtape, opportuniteCreateInput, opportuniteListInput, opportunitePatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { conflict, fieldError, notFound } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { day, decimal, iso, money } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { hasPlacement, lockColumns, moveCard, OPPORTUNITE_BOARD, placeCard, retryMoves } from './kanban.js';
import { addSearch, getResource, listResource, userName, type Resource, type Row } from './listing.js';
import { resolveRefs, visibleParent } from './refs.js';
import { VALEUR_PONDEREE_SQL } from './valeurPonderee.js';
import { scopeByClient, scopeByClientId, seesAll } from './visibility.js';
import { recordEvent, resumes, userNames } from './evenements.js';

type ListInput = z.infer<typeof opportuniteListInput>;
type CreateInput = z.infer<typeof opportuniteCreateInput>;
type PatchInput = Omit<z.infer<typeof opportunitePatchInput>, 'id'>;

const ORDER_COLUMNS = {
  nom: 'crm_fold(o.nom)',
  montant: 'o.montant',
  probabilite: 'o.probabilite',
  dateConclusionEstimee: 'o.date_conclusion_estimee',
  dateCreation: 'o.date_creation',
  position: 'o.position',
};
const FROM = 'from opportunites o join clients c on c.id = o.client_id left join users u on u.id = o.responsable_id';
/**
 * valeurPonderee is computed in numeric (exact), rounded to the cent. devisActif is a correlated
 * subquery on the (opportunite_id, version) unique index: still one statement for a whole page.
 */
const COLUMNS = `o.id, o.nom, o.client_id, c.nom as client_nom, o.responsable_id, ${userName('u')} as responsable_nom,
  o.montant, o.probabilite, o.etape, o.resultat, o.motif_perte, o.position, o.date_conclusion_estimee, o.notes,
  ${VALEUR_PONDEREE_SQL('o')} as valeur_ponderee,
  (select d.id from devis d where d.opportunite_id = o.id and d.statut <> 'refuse' order by d.version desc limit 1) as devis_actif,
  o.date_creation, o.date_modification`;

function toOut(r: Row): OpportuniteOut {
  return {
    id: r.id,
    nom: r.nom,
    client: r.client_id,
    clientNom: r.client_nom,
    responsable: r.responsable_id,
    responsableNom: r.responsable_id === null ? null : r.responsable_nom,
    montant: money(r.montant),
    probabilite: r.probabilite,
    etape: r.etape,
    resultat: r.resultat,
    motifPerte: r.motif_perte,
    position: r.position,
    dateConclusionEstimee: day(r.date_conclusion_estimee),
    notes: r.notes,
    valeurPonderee: money(r.valeur_ponderee),
    devisActif: r.devis_actif,
    dateCreation: iso(r.date_creation)!,
    dateModification: iso(r.date_modification)!,
  };
}

/** The list's filters, search and visibility (its pages, its export and the column totals). */
export function opportuniteFilters(user: AuthUser, input: Omit<ListInput, 'page' | 'pageSize' | 'ordering'>): Where {
  const where = scopeByClientId(new Where(), user, 'o.client_id');
  addSearch(where, input.search, 'o.recherche');
  if (input.etape !== undefined) where.add('o.etape = ?', input.etape);
  if (input.client !== undefined) where.add('o.client_id = ?', input.client);
  if (input.responsable !== undefined) where.add('o.responsable_id = ?', input.responsable);
  if (input.resultat !== undefined) where.add('o.resultat = ?', input.resultat);
  if (input.montantMin !== undefined) where.add('o.montant >= ?::numeric', decimal(input.montantMin));
  if (input.montantMax !== undefined) where.add('o.montant <= ?::numeric', decimal(input.montantMax));
  // Concluded on or after that UTC day; a conclusion without a recorded date (imported data) counts
  // at its last modification, as in the dashboard.
  if (input.conclusionApres !== undefined) {
    where.add(
      `o.etape = 'conclusion' and (coalesce(o.date_conclusion, o.date_modification) at time zone 'UTC') >= ?::date`,
      input.conclusionApres,
    );
  }
  return where;
}

/** How opportunites are read: one statement per page, every summary joined. Exported for other read paths (dashboard). */
export const OPPORTUNITE_RESOURCE: Resource<OpportuniteOut> = {
  from: FROM,
  countFrom: 'from opportunites o',
  alias: 'o',
  table: 'opportunites',
  columns: COLUMNS,
  orderColumns: ORDER_COLUMNS,
  defaultOrder: 'o.date_creation desc, o.id desc',
  map: toOut,
};

export function listOpportunites(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<OpportuniteOut>> {
  return listResource(em, OPPORTUNITE_RESOURCE, input, opportuniteFilters(user, input));
}

/** `GET /clients/{id}/opportunites/`: 404 when the client is not visible. */
export function listOpportunitesOfClient(
  em: EntityManager,
  user: AuthUser,
  clientId: number,
  input: ListInput,
): Promise<Page<OpportuniteOut>> {
  const q = opportunitesOfClient(user, clientId, input);
  return listResource(em, OPPORTUNITE_RESOURCE, input, q.where, q.parent);
}

/** The sub-list's filters and its parent check (pages and export). */
export function opportunitesOfClient(user: AuthUser, clientId: number, input: ListInput) {
  return {
    where: opportuniteFilters(user, input).add('o.client_id = ?', clientId),
    parent: visibleParent(user, 'client', clientId),
  };
}

export async function getOpportunite(em: EntityManager, user: AuthUser, id: number): Promise<OpportuniteOut> {
  const where = scopeByClient(new Where().add('o.id = ?', id), user);
  return getResource(em, OPPORTUNITE_RESOURCE, where);
}

/**
 * A result exists exactly at `conclusion` (also a check constraint): entering conclusion needs
 * gagnee/perdue, any other stage refuses one. `motifPerte` only means something for a lost deal.
 */
function stageOutcome(
  etape: Etape,
  resultat: Resultat | null,
  motifPerte: string,
): { resultat: Resultat | null; motifPerte: string } {
  if (etape === 'conclusion' && !resultat) throw fieldError('resultat', 'err.resultat_required');
  if (etape !== 'conclusion' && resultat) throw fieldError('resultat', 'err.resultat_hors_conclusion');
  return { resultat, motifPerte: resultat === 'perdue' ? motifPerte : '' };
}

export async function createOpportunite(
  em: EntityManager,
  user: AuthUser,
  input: CreateInput,
): Promise<OpportuniteOut> {
  const outcome = stageOutcome(input.etape, input.resultat, input.motifPerte);
  const responsable = input.responsable === undefined ? user.id : input.responsable;
  await resolveRefs(em, user, {
    client: input.client,
    users: { responsable: responsable === user.id ? undefined : responsable },
  });
  hasPlacement(input);
  const id = await retryMoves(() =>
    em.transactional(async (tem) => {
      await lockColumns(tem, OPPORTUNITE_BOARD, [input.etape]);
      // At the end of its column unless a placement is given.
      const position = await placeCard(tem, OPPORTUNITE_BOARD, input.etape, 0, input, null, visibleCards(user));
      const o = tem.create(Opportunite, {
        nom: input.nom,
        client: input.client,
        responsable,
        montant: decimal(input.montant),
        probabilite: input.probabilite,
        etape: input.etape,
        ...outcome,
        position,
        dateConclusionEstimee: input.dateConclusionEstimee,
        dateConclusion: input.etape === 'conclusion' ? new Date() : null,
        notes: input.notes,
      });
      await tem.flush();
      await recordEvent(tem, {
        type: 'opportunite_creee',
        client: input.client,
        opportunite: o.id,
        auteur: user.id,
        resume: resumes.opportuniteCreee(input.nom, input.montant),
        donnees: { etape: input.etape },
      });
      return o.id;
    }),
  );
  return getOpportunite(em, user, id);
}

/** `avant`/`apres` may only name cards the caller sees (SQL on alias `x`). */
function visibleCards(user: AuthUser): { sql: string; params: unknown[] } | null {
  const where = scopeByClientId(new Where(), user, 'x.client_id');
  return where.parts.length ? { sql: where.parts.join(' and '), params: where.params } : null;
}

/**
 * PUT and PATCH, including kanban moves: a change of `etape` and/or a placement (`avant`, `apres`,
 * `position`) moves the card to that place of the target column: in one transaction with both
 * columns locked, the card takes a free key between its new neighbours (see placeCard).
 */
export async function updateOpportunite(
  em: EntityManager,
  user: AuthUser,
  id: number,
  input: PatchInput,
): Promise<OpportuniteOut> {
  return writeOpportunite(em, user, id, () => input, isMoveOnly(input));
}

/** Fields a board move (drag and drop, avancer-etape) sends: the card's column, place and outcome. */
const MOVE_FIELDS = new Set(['etape', 'avant', 'apres', 'position', 'resultat', 'motifPerte']);
const isMoveOnly = (input: object): boolean =>
  Object.entries(input).every(([k, v]) => v === undefined || MOVE_FIELDS.has(k));

/**
 * The write behind PUT, PATCH and avancer-etape. `change` builds the input from the stored row
 * (avancer-etape needs the current stage); it runs again if the transaction is retried.
 */
async function writeOpportunite(
  em: EntityManager,
  user: AuthUser,
  id: number,
  change: (cur: { etape: Etape }) => PatchInput,
  moveOnly: boolean,
): Promise<OpportuniteOut> {
  await retryMoves(() =>
    em.transactional(
      async (tem) => {
        const where = scopeByClient(new Where().add('o.id = ?', id), user);
        const cur = await sqlOne(
          tem,
          `select o.etape, o.resultat, o.motif_perte, o.client_id, o.responsable_id, o.nom ${FROM} ${where}`,
          where.params,
        );
        if (!cur) throw notFound();
        const input = change(cur as { etape: Etape });
        const etape: Etape = input.etape ?? cur.etape;
        const stageChanged = etape !== cur.etape;
        const moved = hasPlacement(input) || stageChanged;
        // Leaving conclusion clears the outcome; staying there keeps it unless the input changes it.
        const keep = etape === cur.etape;
        const outcome = stageOutcome(
          etape,
          input.resultat !== undefined ? input.resultat : keep ? cur.resultat : null,
          input.motifPerte ?? (keep ? cur.motif_perte : ''),
        );
        const clientChanged = input.client !== undefined && input.client !== cur.client_id;
        const responsableChanged = input.responsable !== undefined && input.responsable !== cur.responsable_id;
        await resolveRefs(tem, user, {
          client: clientChanged ? input.client : undefined,
          users: { responsable: responsableChanged ? input.responsable : undefined },
        });

        let position: number | undefined;
        if (moved) {
          position = await moveCard(tem, OPPORTUNITE_BOARD, id, cur.etape, etape, input, visibleCards(user));
        }
        if (moveOnly && !clientChanged && !responsableChanged) {
          // A board move: one UPDATE, no entity load and flush (a move is the board's hot path).
          await sql(
            tem,
            `update opportunites set etape = ?, position = coalesce(?, position), resultat = ?, motif_perte = ?,
             date_conclusion = case when ? then (case when ? then now() end) else date_conclusion end, date_modification = now()
           where id = ?`,
            [etape, position ?? null, outcome.resultat, outcome.motifPerte, stageChanged, etape === 'conclusion', id],
          );
          const o = { id, nom: cur.nom, client: cur.client_id, etape, ...outcome, responsable: cur.responsable_id };
          await recordOpportuniteChanges(tem, user, o, cur as { etape: Etape; responsable_id: number | null });
          return;
        }
        const o = await tem.findOneOrFail(Opportunite, id);
        const {
          position: _position,
          avant: _avant,
          apres: _apres,
          montant,
          resultat: _r,
          motifPerte: _m,
          ...rest
        } = input;
        tem.assign(o, rest, { ignoreUndefined: true });
        if (montant !== undefined) o.montant = decimal(montant);
        o.resultat = outcome.resultat;
        o.motifPerte = outcome.motifPerte;
        if (stageChanged) o.dateConclusion = etape === 'conclusion' ? new Date() : null;
        if (position !== undefined) o.position = position;
        o.dateModification = new Date();
        await tem.flush();
        await recordOpportuniteChanges(tem, user, o, cur as { etape: Etape; responsable_id: number | null });
      },
      // A move joins the request's transaction (the webhook events' one, when there is one) rather
      // than opening a savepoint in it: two statements fewer. Nothing it throws follows a write
      // (placement and outcome are checked first); a failing statement aborts the whole request.
      moveOnly ? { propagation: 'required' as never } : undefined,
    ),
  );
  return getOpportunite(em, user, id);
}

/** Timeline events of a write: stage change (won/lost at conclusion), responsable change. */
async function recordOpportuniteChanges(
  em: EntityManager,
  user: AuthUser,
  o: {
    id: number;
    nom: string;
    client: number;
    etape: string;
    resultat?: string | null;
    motifPerte: string;
    responsable?: number | null;
  },
  before: { etape: Etape; responsable_id: number | null },
): Promise<void> {
  const base = { client: o.client, opportunite: o.id, auteur: user.id };
  const etape = o.etape as Etape;
  if (etape !== before.etape) {
    const donnees = { de: before.etape, vers: etape, resultat: o.resultat ?? null };
    if (etape === 'conclusion' && o.resultat === 'gagnee')
      await recordEvent(em, { ...base, type: 'opportunite_gagnee', resume: resumes.gagnee(o.nom), donnees });
    else if (etape === 'conclusion')
      await recordEvent(em, {
        ...base,
        type: 'opportunite_perdue',
        resume: resumes.perdue(o.nom, o.motifPerte),
        donnees,
      });
    else
      await recordEvent(em, {
        ...base,
        type: 'opportunite_etape',
        resume: resumes.etape(o.nom, before.etape, etape),
        donnees,
      });
  }
  const responsable = o.responsable ?? null;
  if (responsable !== before.responsable_id) {
    const names = await userNames(em, [before.responsable_id, responsable]);
    await recordEvent(em, {
      ...base,
      type: 'opportunite_responsable',
      resume: `« ${o.nom} » — ${resumes.responsable(names, before.responsable_id, responsable)}`,
      donnees: { de: before.responsable_id, vers: responsable },
    });
  }
}

/** Next stage of the pipeline (end of its column); to conclusion with a result; 409 at conclusion. */
export async function avancerEtape(
  em: EntityManager,
  user: AuthUser,
  id: number,
  input: { resultat?: Resultat; motifPerte?: string },
): Promise<OpportuniteOut> {
  return writeOpportunite(
    em,
    user,
    id,
    (cur) => {
      const next = nextEtape(cur.etape);
      if (!next) throw conflict('error.already_conclusion');
      if (next !== 'conclusion') return { etape: next };
      if (!input.resultat) throw fieldError('resultat', 'err.resultat_required');
      return { etape: next, resultat: input.resultat, motifPerte: input.motifPerte ?? '' };
    },
    true,
  );
}

/** DELETE (admin/manager): 409 while devis hang off it. Keys are sparse: the column keeps its gap. */
export async function deleteOpportunite(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scopeByClient(new Where().add('o.id = ?', id), user);
  const cur = await sqlOne(
    em,
    `select exists(select 1 from devis d where d.opportunite_id = o.id) as has_devis ${FROM} ${where}`,
    where.params,
  );
  if (!cur) throw notFound();
  if (cur.has_devis) throw conflict('error.opportunite_has_devis');
  await sql(em, 'delete from opportunites where id = ?', [id]);
}
