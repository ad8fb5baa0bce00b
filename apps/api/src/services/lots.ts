import type { EntityManager } from '@crm/db';
import type { clientLotInput, Etape, LotOut, opportuniteLotInput, projetLotInput, tacheLotInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { sql } from '../lib/sql/runner.js';
import { Where } from '../lib/sql/where.js';
import { fieldError, forbidden } from '../lib/errors.js';
import { translate, type Lang } from '../lib/i18n.js';
import { intArrayLiteral } from '../lib/pgArrays.js';
import { audit } from './audit.js';
import { purgeClients } from './clients.js';
import { clientFilters } from './clients/queries.js';
import { lockColumns, moveManyToColumn, OPPORTUNITE_BOARD, retryMoves, TACHE_BOARD } from './kanban.js';
import { opportuniteFilters } from './opportunites/queries.js';
import { projetFilters } from './projets/queries.js';
import { resolveRefs } from './refs.js';
import { tacheFilters } from './taches/queries.js';
import { scopeByClient, scopeTaches, seesAll } from './visibility.js';
import {
  clientsReassigned,
  emitDeleted,
  emitRows,
  opportunitesMoved,
  opportunitesReassigned,
  stateOf,
  TACHE_BEFORE_COLUMNS,
  tachesCreated,
  tachesMoved,
  tachesReassigned,
} from './lotEvents.js';

/**
 * Bulk actions (`POST /api/<resource>/lot/`). The targets are the given ids the caller may see
 * (the others are refused as `introuvable`, like a 404) or every row matching the list's filters
 * (visible by construction); they are locked, changed with set-based statements in ONE
 * transaction, and the action is audit-logged. The rules are the single-row ones: deletion by
 * admins and managers only (403), the same 409 dependencies (refused per row), cascade for admins.
 * They record what the single mutations record — timeline events, notices, webhook events — set-based
 * in the same transaction (lotEvents.ts).
 */

type Refus = LotOut['refus'][number];
interface Ctx {
  user: AuthUser;
  lang: Lang;
  ip: string;
}

interface Target {
  resource: 'clients' | 'opportunites' | 'projets' | 'taches';
  /** `from` with the main table as `alias` and its client as `c` (visibility). */
  from: string;
  alias: string;
  scope: (where: Where, user: AuthUser) => Where;
  filters: (user: AuthUser, filtres: any) => Where;
}

const TARGETS = {
  clients: {
    resource: 'clients',
    from: 'from clients c',
    alias: 'c',
    scope: (w, u) => scopeByClient(w, u),
    filters: (u, f) => clientFilters(u, f),
  },
  opportunites: {
    resource: 'opportunites',
    from: 'from opportunites o join clients c on c.id = o.client_id',
    alias: 'o',
    scope: (w, u) => scopeByClient(w, u),
    filters: (u, f) => opportuniteFilters(u, f),
  },
  projets: {
    resource: 'projets',
    from: 'from projets p join clients c on c.id = p.client_id',
    alias: 'p',
    scope: (w, u) => scopeByClient(w, u),
    filters: (u, f) => projetFilters(u, f),
  },
  taches: {
    resource: 'taches',
    from: 'from taches t left join clients c on c.id = t.client_id',
    alias: 't',
    scope: (w, u) => scopeTaches(w, u),
    filters: (u, f) => tacheFilters(u, f),
  },
} satisfies Record<string, Target>;

/** The visible targets, locked for the transaction; ids asked for but not visible are refused. */
async function lockTargets(tem: EntityManager, target: Target, ctx: Ctx, input: { ids?: number[]; filtres?: unknown }) {
  const where = input.ids
    ? target.scope(new Where().add(`${target.alias}.id = any(?::int[])`, intArrayLiteral(input.ids)), ctx.user)
    : target.filters(ctx.user, input.filtres);
  const rows = await sql<{ id: number }>(
    tem,
    `select ${target.alias}.id ${target.from} ${where} order by ${target.alias}.id for update of ${target.alias}`,
    where.params,
  );
  const ids = rows.map((r) => r.id);
  const found = new Set(ids);
  const asked = input.ids ? [...new Set(input.ids)] : ids;
  const refus: Refus[] = asked
    .filter((id) => !found.has(id))
    .map((id) => ({ id, raison: 'introuvable', message: translate(ctx.lang, 'lot.introuvable') }));
  return { ids, demandes: asked.length, refus };
}

const refusal =
  (ctx: Ctx, key: 'error.client_has_children' | 'error.projet_has_taches' | 'error.opportunite_has_devis') =>
  (id: number): Refus => ({
    id,
    raison: 'a_des_dependances',
    message: translate(ctx.lang, key),
  });

interface Outcome {
  changed: number[];
  refus?: Refus[];
}

/** Runs one bulk action in one transaction: targets, change, audit; the answer's counts. */
async function runLot(
  em: EntityManager,
  target: Target,
  ctx: Ctx,
  input: { ids?: number[]; filtres?: unknown; action: string },
  change: (tem: EntityManager, ids: number[]) => Promise<Outcome>,
): Promise<LotOut> {
  return retryMoves(() =>
    em.transactional(async (tem) => {
      const t = await lockTargets(tem, target, ctx, input);
      const out = t.ids.length ? await change(tem, t.ids) : { changed: [] };
      const refus = [...t.refus, ...(out.refus ?? [])];
      await audit(tem, {
        userId: ctx.user.id,
        action: `lot_${input.action}`,
        entity: target.resource,
        details: {
          demandes: t.demandes,
          modifies: out.changed.length,
          refuses: refus.length,
          ids: out.changed.slice(0, 1000),
        },
        ip: ctx.ip,
      });
      return {
        action: input.action,
        demandes: t.demandes,
        modifies: out.changed.length,
        inchanges: t.demandes - out.changed.length - refus.length,
        refuses: refus.length,
        refus,
      };
    }),
  );
}

const ids$ = (rows: { id: number }[]) => rows.map((r) => r.id);

/** Sets a column on the targets where it differs. */
async function setColumn(
  tem: EntityManager,
  table: string,
  column: string,
  value: unknown,
  ids: number[],
  cast = '',
): Promise<number[]> {
  return ids$(
    await sql<{ id: number }>(
      tem,
      `update ${table} set ${column} = ?${cast}, date_modification = now()
    where id = any(?::int[]) and ${column} is distinct from ?${cast} returning id`,
      [value, intArrayLiteral(ids), value],
    ),
  );
}

/** One new tâche per target (at the end of the « À faire » column), linked like `link` says. */
async function addTaches(
  tem: EntityManager,
  ctx: Ctx,
  tache: z.infer<typeof clientLotInput>['tache'] & {},
  select: string,
  ids: number[],
): Promise<number[]> {
  const assigneA = tache.assigneA === undefined ? ctx.user.id : tache.assigneA;
  await resolveRefs(tem, ctx.user, { users: { 'tache.assigneA': assigneA === ctx.user.id ? undefined : assigneA } });
  await lockColumns(tem, TACHE_BOARD, ['a_faire']);
  const rows = await sql<{ id: number }>(
    tem,
    `insert into taches (titre, description, assigne_a_id, client_id, projet_id, priorite, date_echeance, statut, position)
    select ?, ?, ?, x.client_id, x.projet_id, ?, ?::date, 'a_faire',
           (select coalesce(max(position) + 1, 0) from taches where statut = 'a_faire') + row_number() over (order by x.id) - 1
    from (${select}) x returning id`,
    [tache.titre, tache.description, assigneA, tache.priorite, tache.dateEcheance, intArrayLiteral(ids)],
  );
  await tachesCreated(tem, ctx.user, ids$(rows));
  return ids$(rows);
}

function staffOnly(user: AuthUser): void {
  if (!seesAll(user)) throw forbidden();
}

export async function lotClients(em: EntityManager, ctx: Ctx, input: z.infer<typeof clientLotInput>): Promise<LotOut> {
  if (input.action === 'supprimer') {
    staffOnly(ctx.user);
    if (input.cascade && ctx.user.role !== 'admin') throw forbidden();
  }
  // A commercial may only own their clients (like a single update).
  if (input.action === 'reassigner' && !seesAll(ctx.user) && input.responsable !== ctx.user.id) throw forbidden();
  return runLot(em, TARGETS.clients, ctx, input, async (tem, ids) => {
    switch (input.action) {
      case 'reassigner': {
        await resolveRefs(tem, ctx.user, { users: { responsable: input.responsable } });
        const before = await stateOf<{ nom: string; responsable_id: number | null }>(
          tem,
          'clients',
          'nom, responsable_id',
          ids,
        );
        const changed = await setColumn(tem, 'clients', 'responsable_id', input.responsable, ids);
        await clientsReassigned(tem, ctx.user, changed, before, input.responsable!);
        return { changed };
      }
      case 'ajouter_tache':
        // Tâches are not entities of the list: its IDs are the clients'.
        await addTaches(
          tem,
          ctx,
          input.tache!,
          'select id, id as client_id, null::int as projet_id from clients where id = any(?::int[])',
          ids,
        );
        return { changed: ids };
      case 'supprimer': {
        const busy = new Set(
          ids$(
            await sql<{ id: number }>(
              tem,
              `select c.id from clients c where c.id = any(?::int[]) and (exists (select 1 from projets where client_id = c.id)
          or exists (select 1 from opportunites where client_id = c.id) or exists (select 1 from taches where client_id = c.id))`,
              [intArrayLiteral(ids)],
            ),
          ),
        );
        const gone = input.cascade ? ids : ids.filter((id) => !busy.has(id));
        if (gone.length) await purgeClients(tem, gone);
        await emitDeleted(tem, 'client', gone);
        return { changed: gone, refus: input.cascade ? [] : [...busy].map(refusal(ctx, 'error.client_has_children')) };
      }
    }
  });
}

export function lotOpportunites(
  em: EntityManager,
  ctx: Ctx,
  input: z.infer<typeof opportuniteLotInput>,
): Promise<LotOut> {
  if (input.action === 'supprimer') staffOnly(ctx.user);
  if (input.action === 'changer_etape') {
    if (input.etape === 'conclusion' && !input.resultat) throw fieldError('resultat', 'err.resultat_required');
    if (input.etape !== 'conclusion' && input.resultat) throw fieldError('resultat', 'err.resultat_hors_conclusion');
  }
  return runLot(em, TARGETS.opportunites, ctx, input, async (tem, ids) => {
    switch (input.action) {
      case 'reassigner': {
        await resolveRefs(tem, ctx.user, { users: { responsable: input.responsable } });
        const before = await stateOf<{ nom: string; client_id: number; responsable_id: number | null }>(
          tem,
          'opportunites',
          'nom, client_id, responsable_id',
          ids,
        );
        const changed = await setColumn(tem, 'opportunites', 'responsable_id', input.responsable, ids);
        await opportunitesReassigned(tem, ctx.user, changed, before, input.responsable!);
        return { changed };
      }
      case 'changer_etape': {
        const conclusion = input.etape === 'conclusion';
        // Leaving or entering conclusion: the outcome and its date follow (as for a single move).
        const extra = conclusion
          ? `resultat = ?, motif_perte = '', date_conclusion = now()`
          : `resultat = null, motif_perte = '', date_conclusion = null`;
        const before = await stateOf<{ nom: string; client_id: number; etape: Etape }>(
          tem,
          'opportunites',
          'nom, client_id, etape',
          ids,
        );
        const moved = await moveManyToColumn(
          tem,
          OPPORTUNITE_BOARD,
          ids,
          input.etape!,
          extra,
          conclusion ? [input.resultat] : [],
        );
        await opportunitesMoved(
          tem,
          ctx.user,
          moved,
          before,
          input.etape!,
          conclusion ? (input.resultat ?? null) : null,
        );
        return { changed: moved };
      }
      case 'ajouter_tache':
        await addTaches(
          tem,
          ctx,
          input.tache!,
          'select id, client_id, null::int as projet_id from opportunites where id = any(?::int[])',
          ids,
        );
        return { changed: ids };
      case 'supprimer': {
        const busy = new Set(
          ids$(
            await sql<{ id: number }>(
              tem,
              `select o.id from opportunites o where o.id = any(?::int[]) and exists (select 1 from devis d where d.opportunite_id = o.id)`,
              [intArrayLiteral(ids)],
            ),
          ),
        );
        const gone = ids.filter((id) => !busy.has(id));
        if (gone.length) {
          const etapes = (
            await sql<{ v: string }>(tem, 'select distinct etape as v from opportunites where id = any(?::int[])', [
              intArrayLiteral(gone),
            ])
          ).map((r) => r.v);
          await lockColumns(tem, OPPORTUNITE_BOARD, etapes);
          await sql(tem, 'delete from opportunites where id = any(?::int[])', [intArrayLiteral(gone)]);
        }
        await emitDeleted(tem, 'opportunite', gone);
        return { changed: gone, refus: [...busy].map(refusal(ctx, 'error.opportunite_has_devis')) };
      }
    }
  });
}

export function lotProjets(em: EntityManager, ctx: Ctx, input: z.infer<typeof projetLotInput>): Promise<LotOut> {
  if (input.action === 'supprimer') staffOnly(ctx.user);
  return runLot(em, TARGETS.projets, ctx, input, async (tem, ids) => {
    switch (input.action) {
      case 'changer_statut': {
        const changed = await setColumn(tem, 'projets', 'statut', input.statut, ids);
        await emitRows(tem, 'projet', ['updated'], changed);
        return { changed };
      }
      case 'ajouter_tache':
        await addTaches(
          tem,
          ctx,
          input.tache!,
          'select id, client_id, id as projet_id from projets where id = any(?::int[])',
          ids,
        );
        return { changed: ids };
      case 'supprimer': {
        const busy = new Set(
          ids$(
            await sql<{ id: number }>(
              tem,
              `select p.id from projets p where p.id = any(?::int[]) and exists (select 1 from taches t where t.projet_id = p.id)`,
              [intArrayLiteral(ids)],
            ),
          ),
        );
        const gone = ids.filter((id) => !busy.has(id));
        if (gone.length) await sql(tem, 'delete from projets where id = any(?::int[])', [intArrayLiteral(gone)]);
        await emitDeleted(tem, 'projet', gone);
        return { changed: gone, refus: [...busy].map(refusal(ctx, 'error.projet_has_taches')) };
      }
    }
  });
}

export function lotTaches(em: EntityManager, ctx: Ctx, input: z.infer<typeof tacheLotInput>): Promise<LotOut> {
  if (input.action === 'supprimer') staffOnly(ctx.user);
  return runLot(em, TARGETS.taches, ctx, input, async (tem, ids) => {
    switch (input.action) {
      case 'reassigner': {
        await resolveRefs(tem, ctx.user, { users: { assigneA: input.assigneA } });
        const before = await stateOf<any>(tem, 'taches', TACHE_BEFORE_COLUMNS, ids);
        const changed = await setColumn(tem, 'taches', 'assigne_a_id', input.assigneA, ids);
        await tachesReassigned(tem, ctx.user, changed, before, input.assigneA ?? null);
        return { changed };
      }
      case 'changer_priorite': {
        const changed = await setColumn(tem, 'taches', 'priorite', input.priorite, ids);
        await emitRows(tem, 'tache', ['updated'], changed);
        return { changed };
      }
      case 'changer_statut': {
        const done = input.statut === 'terminee';
        const before = await stateOf<any>(tem, 'taches', TACHE_BEFORE_COLUMNS, ids);
        const moved = await moveManyToColumn(
          tem,
          TACHE_BOARD,
          ids,
          input.statut!,
          `date_terminee = ${done ? 'now()' : 'null'}`,
        );
        await tachesMoved(tem, ctx.user, moved, before, input.statut!);
        return { changed: moved };
      }
      case 'supprimer': {
        const statuts = (
          await sql<{ v: string }>(tem, 'select distinct statut as v from taches where id = any(?::int[])', [
            intArrayLiteral(ids),
          ])
        ).map((r) => r.v);
        await lockColumns(tem, TACHE_BOARD, statuts);
        await sql(tem, 'delete from taches where id = any(?::int[])', [intArrayLiteral(ids)]);
        await emitDeleted(tem, 'tache', ids);
        return { changed: ids };
      }
    }
  });
}
