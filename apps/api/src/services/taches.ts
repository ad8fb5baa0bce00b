import type { EntityManager } from '@crm/db';
import { Tache } from '@crm/db';
import type { TacheOut, TacheStatut } from '@crm/shared';
import type { tacheCreateInput, tachePatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { fieldError, notFound } from '../lib/errors.js';
import { sql } from '../lib/sql/runner.js';
import { Where } from '../lib/sql/where.js';
import {
  cardTransaction,
  hasPlacement,
  lockColumns,
  boardMove,
  movesOnly,
  readCardLocked,
  placeCard,
  retryMoves,
  TACHE_BOARD,
} from './kanban.js';
import { resolveRefs } from './refs.js';
import { getTache, TACHE_FROM as FROM, tacheAnswer } from './taches/queries.js';
import { scopeTaches, seesAll } from './visibility.js';
import { type EventRecord, recordEvent, recordEvents, resumes, userNames } from './evenements.js';
import { reportCardWrite } from './webhookEvents.js';
import { notify, tacheAssigneeNotice } from './notifications.js';

type CreateInput = z.infer<typeof tacheCreateInput>;
type PatchInput = Omit<z.infer<typeof tachePatchInput>, 'id'>;

/**
 * Client and projet of a tache: when both are given the projet must belong to the client (400 on
 * projet); when only the projet is, the client is the projet's.
 */
function clientOfTache(
  inputClient: number | null | undefined,
  projet: number | null,
  projetClient: number | undefined,
  fallback: number | null,
): number | null {
  if (projet === null || projetClient === undefined) return inputClient !== undefined ? inputClient : fallback;
  if (inputClient !== undefined && inputClient !== null && inputClient !== projetClient)
    throw fieldError('projet', 'err.projet_client');
  return projetClient;
}

/**
 * Share-locks the projets a tache write involves (its current one when `tacheId` is given, and
 * `projets`) before anything else, so the write waits for a projet changing client and then reads
 * the committed client (the database trigger that copies it locks the projet too; taking it first
 * keeps one lock order — projet, board columns, tache rows — with updateProjet, so no deadlock).
 */
async function lockProjets(em: EntityManager, projets: (number | null | undefined)[], tacheId?: number): Promise<void> {
  const ids = projets.filter((p): p is number => typeof p === 'number');
  if (!ids.length && tacheId === undefined) return;
  // An array literal (knex would expand a JS array into a list); bigint so that an out-of-range id
  // is simply not found here and reported on its field by resolveRefs.
  await sql(
    em,
    `select id from projets where id = any(?::bigint[]) or id = (select projet_id from taches where id = ?) order by id for share`,
    [`{${ids.join(',')}}`, tacheId ?? 0],
  );
}

export async function createTache(em: EntityManager, user: AuthUser, input: CreateInput): Promise<TacheOut> {
  const assigneA = input.assigneA === undefined ? user.id : input.assigneA;
  const refs = await resolveRefs(em, user, {
    client: input.client,
    projet: input.projet,
    users: { assigneA: assigneA === user.id ? undefined : assigneA },
  });
  const client = clientOfTache(input.client, input.projet, refs.projet, null);
  hasPlacement(input);
  const id = await retryMoves(() =>
    em.transactional(async (tem) => {
      await lockProjets(tem, [input.projet]);
      await lockColumns(tem, TACHE_BOARD, [input.statut]);
      const position = await placeCard(tem, TACHE_BOARD, input.statut, 0, input, null, visibleCards(user));
      const tache = tem.create(Tache, {
        titre: input.titre,
        description: input.description,
        assigneA,
        client,
        projet: input.projet,
        priorite: input.priorite,
        dateEcheance: input.dateEcheance,
        statut: input.statut,
        position,
        dateTerminee: input.statut === 'terminee' ? new Date() : null,
      });
      await tem.flush();
      await recordTacheChanges(tem, user, tache, { statut: null, assigne_a_id: null });
      return tache.id;
    }),
  );
  return getTache(em, user, id, false);
}

/** `avant`/`apres` may only name cards the caller sees (SQL on alias `x`). */
function visibleCards(user: AuthUser): { sql: string; params: unknown[] } | null {
  if (seesAll(user)) return null;
  const where = scopeTaches(new Where(), user, 'x');
  return { sql: where.parts.join(' and '), params: where.params };
}

/**
 * PUT, PATCH and task-board moves: a change of `statut` and/or a placement (`avant`, `apres`,
 * `position`) moves the card inside one transaction with both columns locked; it takes a free key
 * between its new neighbours (see placementSql). Reaching `terminee` stamps dateTerminee; leaving it
 * clears it. A board move (`moveOnly`) is three statements in the request's transaction, like an
 * opportunité's (see writeOpportunite).
 */
export async function updateTache(em: EntityManager, user: AuthUser, id: number, input: PatchInput): Promise<TacheOut> {
  const moveOnly = movesOnly(input, MOVE_FIELDS);
  const placed = hasPlacement(input);
  const answer = await cardTransaction(em, moveOnly, async (tem): Promise<TacheOut | undefined> => {
    // A move changes neither client nor projet: no projet to hold still.
    if (!moveOnly) await lockProjets(tem, [input.projet], id);
    const cur = await readCardLocked<Record<string, any>>(
      tem,
      TACHE_BOARD,
      {
        columns: 't.statut, t.client_id, t.projet_id, t.assigne_a_id, t.titre, t.date_echeance',
        current: 't.statut',
        from: FROM,
        where: scopeTaches(new Where().add('t.id = ?', id), user),
      },
      input.statut,
      placed,
      moveOnly,
    );
    const statut: TacheStatut = input.statut ?? cur.statut;
    const statutChanged = statut !== cur.statut;
    const moved = placed || statutChanged;
    if (moveOnly) {
      // A board move: its placement, the card, its timeline event (done) and the answer in one
      // statement (no entity load and flush, no second read: a move is the board's hot path).
      return boardMove(em, tem, TACHE_BOARD, {
        id,
        from: cur.statut,
        to: statut,
        placement: moved ? input : null,
        visible: visibleCards(user),
        set: {
          sql: `statut = ?, date_terminee = case when ? then (case when ? then now() end) else card.date_terminee end,
                date_modification = now()`,
          params: [statut, statutChanged, statut === 'terminee'],
        },
        events: doneEvents(user, { id, titre: cur.titre, client: cur.client_id, statut }, cur.statut),
        answer: tacheAnswer,
      });
    }
    reportCardWrite(em, { before: { statut: cur.statut } });
    const projet: number | null = input.projet !== undefined ? input.projet : cur.projet_id;
    const clientInputChanged = input.client !== undefined && input.client !== cur.client_id;
    const projetChanged = projet !== cur.projet_id;
    const assigneChanged = input.assigneA !== undefined && input.assigneA !== cur.assigne_a_id;
    const refs = await resolveRefs(tem, user, {
      client: clientInputChanged ? input.client : undefined,
      projet: projetChanged || clientInputChanged ? projet : undefined,
      users: { assigneA: assigneChanged ? input.assigneA : undefined },
    });
    const client = clientOfTache(input.client, projet, refs.projet, cur.client_id);
    const position = moved
      ? await placeCard(tem, TACHE_BOARD, statut, id, input, cur.statut, visibleCards(user))
      : undefined;
    const tache = await tem.findOneOrFail(Tache, id);
    const { position: _position, avant: _avant, apres: _apres, client: _client, ...rest } = input;
    tem.assign(tache, rest, { ignoreUndefined: true });
    tache.client = client;
    if (statutChanged) tache.dateTerminee = statut === 'terminee' ? new Date() : null;
    if (position !== undefined) tache.position = position;
    tache.dateModification = new Date();
    await tem.flush();
    await recordTacheChanges(tem, user, tache, cur as { statut: TacheStatut; assigne_a_id: number | null });
    return undefined;
  });
  return answer ?? getTache(em, user, id, false);
}

/** Fields a board move sends: the card's column and place. */
const MOVE_FIELDS = new Set(['statut', 'avant', 'apres', 'position']);

/**
 * Timeline events (tâches of a client: created, completed, reassigned) and the "assigned to you"
 * notification. `before.statut` null means the tâche was just created.
 */
/** The timeline event of a tâche reaching `terminee` (tâches of a client only). */
function doneEvents(
  user: AuthUser,
  t: { id: number; titre: string; client?: number | null; statut: string },
  before: TacheStatut | null,
): EventRecord[] {
  if (t.client == null || t.statut !== 'terminee' || before === 'terminee') return [];
  return [
    {
      client: t.client,
      auteur: user.id,
      donnees: { tache: t.id },
      type: 'tache_terminee',
      resume: resumes.tacheTerminee(t.titre),
    },
  ];
}

async function recordTacheChanges(
  em: EntityManager,
  user: AuthUser,
  t: {
    id: number;
    titre: string;
    client?: number | null;
    statut: string;
    assigneA?: number | null;
    dateEcheance: string | Date;
  },
  before: { statut: TacheStatut | null; assigne_a_id: number | null },
): Promise<void> {
  const created = before.statut === null;
  const assigne = t.assigneA ?? null;
  const assigneChanged = !created && assigne !== before.assigne_a_id;
  if (t.client != null) {
    const base = { client: t.client, auteur: user.id, donnees: { tache: t.id } };
    if (created) await recordEvent(em, { ...base, type: 'tache_creee', resume: resumes.tacheCreee(t.titre) });
    await recordEvents(em, doneEvents(user, t, before.statut));
    if (assigneChanged) {
      const names = await userNames(em, [assigne]);
      await recordEvent(em, {
        ...base,
        type: 'tache_assignee',
        resume: resumes.tacheAssignee(names, t.titre, assigne),
        donnees: { tache: t.id, de: before.assigne_a_id, vers: assigne },
      });
    }
  }
  if ((created || assigneChanged) && t.statut !== 'terminee') {
    await notify(em, tacheAssigneeNotice(assigne, user.id, { id: t.id, titre: t.titre, echeance: t.dateEcheance }));
  }
}

/** `PATCH /taches/{id}/complete/`: idempotent; a second call keeps the first dateTerminee. */
export async function completeTache(em: EntityManager, user: AuthUser, id: number): Promise<TacheOut> {
  const current = await getTache(em, user, id);
  if (current.statut === 'terminee') {
    reportCardWrite(em, { before: { statut: current.statut } });
    return current;
  }
  return updateTache(em, user, id, { statut: 'terminee' });
}

/** DELETE (admin/manager). Keys are sparse: the column keeps its gap. */
export async function deleteTache(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scopeTaches(new Where().add('t.id = ?', id), user);
  const gone = await sql(em, `delete from taches t ${where} returning t.id`, where.params);
  if (!gone.length) throw notFound();
}
