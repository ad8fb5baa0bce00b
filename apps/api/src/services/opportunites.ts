import type { EntityManager } from '@crm/db';
import { Opportunite } from '@crm/db';
import type { Etape, OpportuniteOut, Resultat } from '@crm/shared';
import { ETAPES, nextEtape, type opportuniteCreateInput, type opportunitePatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { conflict, fieldError, notFound } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { decimal } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import {
  cardTransaction,
  hasPlacement,
  lockColumns,
  boardMove,
  movesOnly,
  readCardLocked,
  OPPORTUNITE_BOARD,
  placeCard,
  retryMoves,
  type TargetColumn,
} from './kanban.js';
import { getOpportunite, OPPORTUNITE_FROM as FROM, opportuniteAnswer } from './opportunites/queries.js';
import { resolveRefs } from './refs.js';
import { scopeByClient, scopeByClientId } from './visibility.js';
import { type EventRecord, recordEvent, recordEvents, resumes, userNames } from './evenements.js';
import { reportCardWrite } from './webhookEvents.js';

type CreateInput = z.infer<typeof opportuniteCreateInput>;
type PatchInput = Omit<z.infer<typeof opportunitePatchInput>, 'id'>;

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
 * columns locked, the card takes a free key between its new neighbours (see placementSql).
 */
export async function updateOpportunite(
  em: EntityManager,
  user: AuthUser,
  id: number,
  input: PatchInput,
): Promise<OpportuniteOut> {
  return writeOpportunite(em, user, id, {
    change: () => input,
    target: input.etape,
    placed: hasPlacement(input),
    moveOnly: movesOnly(input, MOVE_FIELDS),
  });
}

/** Fields a board move (drag and drop, avancer-etape) sends: the card's column, place and outcome. */
const MOVE_FIELDS = new Set(['etape', 'avant', 'apres', 'position', 'resultat', 'motifPerte']);

/** What writeOpportunite writes. */
interface OpportuniteWrite {
  /** The input, from the stored row (avancer-etape needs the current stage); run again on a retry. */
  change: (cur: { etape: Etape }) => PatchInput;
  /** Where the change may send the card (the columns locked with the card's read): see TargetColumn. */
  target: TargetColumn;
  /** The input has a placement (`avant`, `apres`, `position`). */
  placed: boolean;
  /** The input sets only MOVE_FIELDS: the one-statement write, committed asynchronously when it moves the card. */
  moveOnly: boolean;
}

/**
 * The write behind PUT, PATCH and avancer-etape. A board move (`moveOnly`) is three statements in
 * the request's transaction: the card as seen with its columns' locks (columnLocks), then its
 * placement, update, timeline event and answer in one statement (moveStatement) — plus commit.
 */
async function writeOpportunite(
  em: EntityManager,
  user: AuthUser,
  id: number,
  write: OpportuniteWrite,
): Promise<OpportuniteOut> {
  const { moveOnly } = write;
  const answer = await cardTransaction(em, moveOnly, async (tem): Promise<OpportuniteOut | undefined> => {
    const cur = await readCardLocked<Record<string, any>>(
      tem,
      OPPORTUNITE_BOARD,
      {
        columns: 'o.etape, o.resultat, o.motif_perte, o.client_id, o.responsable_id, o.nom',
        current: 'o.etape',
        from: FROM,
        where: scopeByClient(new Where().add('o.id = ?', id), user),
      },
      write.target,
      write.placed,
      moveOnly,
    );
    const input = write.change(cur as { etape: Etape });
    const etape: Etape = input.etape ?? cur.etape;
    const stageChanged = etape !== cur.etape;
    const moved = write.placed || stageChanged;
    // Leaving conclusion clears the outcome; staying there keeps it unless the input changes it.
    const keep = etape === cur.etape;
    const outcome = stageOutcome(
      etape,
      input.resultat !== undefined ? input.resultat : keep ? cur.resultat : null,
      input.motifPerte ?? (keep ? cur.motif_perte : ''),
    );
    if (moveOnly) {
      // A board move: its placement, the card, its timeline event and the answer in one statement
      // (no entity load and flush, no second read: a move is the board's hot path).
      const o = { id, nom: cur.nom, client: cur.client_id, etape, ...outcome };
      return boardMove(em, tem, OPPORTUNITE_BOARD, {
        id,
        from: cur.etape,
        to: etape,
        placement: moved ? input : null,
        visible: visibleCards(user),
        set: {
          sql: `etape = ?, resultat = ?, motif_perte = ?,
                date_conclusion = case when ? then (case when ? then now() end) else card.date_conclusion end, date_modification = now()`,
          params: [etape, outcome.resultat, outcome.motifPerte, stageChanged, etape === 'conclusion'],
        },
        events: stageEvents(user, o, cur.etape),
        answer: opportuniteAnswer,
      });
    }
    reportCardWrite(em, { before: { etape: cur.etape } });
    const clientChanged = input.client !== undefined && input.client !== cur.client_id;
    const responsableChanged = input.responsable !== undefined && input.responsable !== cur.responsable_id;
    await resolveRefs(tem, user, {
      client: clientChanged ? input.client : undefined,
      users: { responsable: responsableChanged ? input.responsable : undefined },
    });
    const position = moved
      ? await placeCard(tem, OPPORTUNITE_BOARD, etape, id, input, cur.etape, visibleCards(user))
      : undefined;
    const o = await tem.findOneOrFail(Opportunite, id);
    const { position: _position, avant: _avant, apres: _apres, montant, resultat: _r, motifPerte: _m, ...rest } = input;
    tem.assign(o, rest, { ignoreUndefined: true });
    if (montant !== undefined) o.montant = decimal(montant);
    o.resultat = outcome.resultat;
    o.motifPerte = outcome.motifPerte;
    if (stageChanged) o.dateConclusion = etape === 'conclusion' ? new Date() : null;
    if (position !== undefined) o.position = position;
    o.dateModification = new Date();
    await tem.flush();
    await recordOpportuniteChanges(tem, user, o, cur as { etape: Etape; responsable_id: number | null });
    return undefined;
  });
  return answer ?? getOpportunite(em, user, id);
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
  await recordEvents(em, stageEvents(user, o, before.etape));
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

/** The timeline event of a change of stage (won/lost at conclusion); none when the stage stays. */
function stageEvents(
  user: AuthUser,
  o: { id: number; nom: string; client: number; etape: string; resultat?: string | null; motifPerte: string },
  before: Etape,
): EventRecord[] {
  const etape = o.etape as Etape;
  if (etape === before) return [];
  const base = {
    client: o.client,
    opportunite: o.id,
    auteur: user.id,
    donnees: { de: before, vers: etape, resultat: o.resultat ?? null },
  };
  if (etape === 'conclusion' && o.resultat === 'gagnee')
    return [{ ...base, type: 'opportunite_gagnee', resume: resumes.gagnee(o.nom) }];
  if (etape === 'conclusion')
    return [{ ...base, type: 'opportunite_perdue', resume: resumes.perdue(o.nom, o.motifPerte) }];
  return [{ ...base, type: 'opportunite_etape', resume: resumes.etape(o.nom, before, etape) }];
}

/** Next stage of the pipeline (end of its column); to conclusion with a result; 409 at conclusion. */
export async function avancerEtape(
  em: EntityManager,
  user: AuthUser,
  id: number,
  input: { resultat?: Resultat; motifPerte?: string },
): Promise<OpportuniteOut> {
  return writeOpportunite(em, user, id, {
    change: (cur) => {
      const next = nextEtape(cur.etape);
      if (!next) throw conflict('error.already_conclusion');
      if (next !== 'conclusion') return { etape: next };
      if (!input.resultat) throw fieldError('resultat', 'err.resultat_required');
      return { etape: next, resultat: input.resultat, motifPerte: input.motifPerte ?? '' };
    },
    target: NEXT_ETAPES,
    placed: false,
    moveOnly: true,
  });
}

/** Each stage's next one (avancer-etape's target column, see TargetColumn). */
const NEXT_ETAPES = Object.fromEntries(ETAPES.map((e) => [e, nextEtape(e)]));

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
