import type { EntityManager } from '@crm/db';
import type { ClientOut, DashboardPerformance, DashboardStats, OpportuniteOut, ProjetOut, TacheOut } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { money, today } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { listClients } from './clients/queries.js';
import { listProjets } from './projets/queries.js';
import type { Row } from './listing.js';
import { OPPORTUNITE_RESOURCE } from './opportunites/queries.js';
import { TACHE_RESOURCE } from './taches/queries.js';
import { VALEUR_PONDEREE_CENTIMES_SQL } from './valeurPonderee.js';
import { scopeByClient, scopeByClientId, scopeTaches, seesAll, tachesScopeParts } from './visibility.js';

/**
 * The dashboard, scoped to what the caller may see, computed in SQL: one statement per endpoint
 * (two for the recent clients and projets, which reuse the domain lists: count + page). Admins and
 * managers skip the join on clients that only serves the commercial's scope.
 */

/** `join clients c` only when the scope needs it (commercial), for tables that carry `client_id`. */
export function clientJoinFor(user: AuthUser, alias: string, kind: 'join' | 'left join' = 'join'): string {
  return seesAll(user) ? '' : `${kind} clients c on c.id = ${alias}.client_id`;
}

/** gagnees / (gagnees + perdues), rounded to 4 decimals; 0 when nothing is closed. */
export function tauxConversion(gagnees: number, perdues: number): number {
  const closed = gagnees + perdues;
  return closed === 0 ? 0 : Math.round((gagnees * 10_000) / closed) / 10_000;
}

/**
 * A select-list item that keeps its statement in one backend process: `set_config` is PARALLEL
 * UNSAFE, so PostgreSQL plans no parallel workers. The dashboard's statements already run side by
 * side on their own connections; workers on top of that only contend for the same cores (measured:
 * the three statements together 23 → 16 ms on the 2-core bench machine). It sets a placeholder
 * setting for the statement's own transaction only, which nothing reads.
 */
const ONE_PROCESS = `set_config('crm.dashboard_one_process', 'on', true) is not null as one_process`;

/**
 * The counters run as three statements on separate pool connections at the same time (wall time ≈
 * the slowest, not the sum): small tables (clients, projets, devis), opportunités, tâches. Sums are
 * on integer cents (exact) turned back into numeric(…, 2) text by `* 0.01`; index-only scans come
 * from the covering indexes of Migration20261125150000_dashboard_perf.
 */
export async function dashboardStats(em: EntityManager, user: AuthUser): Promise<DashboardStats> {
  const clients = scopeByClient(new Where(), user);
  const projets = scopeByClient(new Where(), user);
  const devis = scopeByClient(new Where().add(`d.statut in ('envoye', 'consulte')`), user);
  const [small, op, ta] = await Promise.all([
    sqlOne(
      em,
      `select ${ONE_PROCESS}, * from
        (select count(*)::int as total_clients from clients c ${clients}) cl,
        (select count(*)::int as total_projets,
                count(*) filter (where p.statut = 'a_faire')::int as a_faire,
                count(*) filter (where p.statut = 'en_cours')::int as en_cours,
                count(*) filter (where p.statut = 'termine')::int as termine
           from projets p ${clientJoinFor(user, 'p')} ${projets}) pr,
        (select count(*)::int as devis_en_attente
           from devis d ${seesAll(user) ? '' : 'join opportunites o on o.id = d.opportunite_id join clients c on c.id = o.client_id'} ${devis}) de`,
      [...clients.params, ...projets.params, ...devis.params],
    ),
    opportunitesCounts(em, user),
    tachesCounts(em, user),
  ]);
  const row = { ...small!, ...op!, ...ta! };
  return {
    totalClients: row.total_clients,
    totalProjets: row.total_projets,
    projetsParStatut: { a_faire: row.a_faire, en_cours: row.en_cours, termine: row.termine },
    totalOpportunites: row.total_opportunites,
    opportunitesOuvertes: row.ouvertes,
    montantPipeline: money(row.montant_pipeline),
    montantPondere: money(row.montant_pondere),
    totalTaches: row.total_taches,
    tachesEnRetard: row.taches_en_retard,
    devisEnAttente: row.devis_en_attente,
  };
}

/**
 * The pipeline. Everyone's: the open ones from a partial covering index, plus the closed ones
 * (total = open + closed: `etape` is never null). A commercial's: one index-only scan of their
 * clients' opportunités (`client_id` index covering `etape` and the amounts).
 */
async function opportunitesCounts(em: EntityManager, user: AuthUser): Promise<Row | undefined> {
  const sums = (filter: string) =>
    `(coalesce(sum(o.montant_centimes)${filter}, 0) * 0.01)::text as montant_pipeline,
     (coalesce(sum(${VALEUR_PONDEREE_CENTIMES_SQL('o')})${filter}, 0) * 0.01)::text as montant_pondere`;
  if (seesAll(user)) {
    return sqlOne(
      em,
      `select ${ONE_PROCESS}, op.ouvertes + cl.closes as total_opportunites, op.* from
        (select count(*)::int as ouvertes, ${sums('')} from opportunites o where o.etape <> 'conclusion') op,
        (select count(*)::int as closes from opportunites o where o.etape = 'conclusion') cl`,
    );
  }
  const open = ` filter (where o.etape <> 'conclusion')`;
  const where = scopeByClientId(new Where(), user, 'o.client_id', 'array');
  return sqlOne(
    em,
    `select ${ONE_PROCESS}, count(*)::int as total_opportunites, count(*)${open}::int as ouvertes, ${sums(open)}
       from opportunites o ${where}`,
    where.params,
  );
}

/**
 * Total and overdue tâches the user may see. Everyone's: two index-only counts (the overdue ones
 * from the partial index of open tâches). A commercial's: the rows of `scopeTaches` (assigned to
 * them, or on one of their clients) as two disjoint parts — assigned to them; on their clients and
 * not assigned to them — each an index-only scan, instead of testing the `or` on every tâche.
 */
async function tachesCounts(em: EntityManager, user: AuthUser): Promise<Row | undefined> {
  const late = `t.statut <> 'terminee' and t.date_echeance < ?::date`;
  const now = today();
  if (seesAll(user)) {
    return sqlOne(
      em,
      `select ${ONE_PROCESS}, (select count(*) from taches t)::int as total_taches,
              (select count(*) from taches t where ${late})::int as taches_en_retard`,
      [now],
    );
  }
  const [assigned, onTheirClients] = tachesScopeParts(user);
  return sqlOne(
    em,
    `select ${ONE_PROCESS}, coalesce(sum(n), 0)::int as total_taches, coalesce(sum(en_retard), 0)::int as taches_en_retard from (
       select count(*) as n, count(*) filter (where ${late}) as en_retard from taches t ${assigned}
       union all
       select count(*), count(*) filter (where ${late}) from taches t ${onTheirClients}) s`,
    [now, ...assigned.params, now, ...onTheirClients.params],
  );
}

export async function clientsRecents(em: EntityManager, user: AuthUser, limit: number): Promise<ClientOut[]> {
  const page = await listClients(em, user, { page: 1, pageSize: limit, ordering: '-dateCreation' });
  return page.results;
}

export async function projetsRecents(em: EntityManager, user: AuthUser, limit: number): Promise<ProjetOut[]> {
  const page = await listProjets(em, user, { page: 1, pageSize: limit, ordering: '-dateCreation' });
  return page.results;
}

/** Not at conclusion, soonest estimated close first (undated last). */
export async function opportunitesActives(em: EntityManager, user: AuthUser, limit: number): Promise<OpportuniteOut[]> {
  const where = scopeByClient(new Where().add(`o.etape <> 'conclusion'`), user);
  const rows = await sql(
    em,
    `select ${OPPORTUNITE_RESOURCE.columns} ${OPPORTUNITE_RESOURCE.from} ${where}
      order by o.date_conclusion_estimee asc nulls last, o.id asc limit ?`,
    [...where.params, limit],
  );
  return rows.map(OPPORTUNITE_RESOURCE.map);
}

/** Not terminee, due today or later, soonest first; `mine` keeps the caller's own. */
export async function tachesAVenir(
  em: EntityManager,
  user: AuthUser,
  limit: number,
  mine: boolean,
): Promise<TacheOut[]> {
  const where = scopeTaches(new Where().add(`t.statut <> 'terminee'`).add('t.date_echeance >= ?::date', today()), user);
  if (mine) where.add('t.assigne_a_id = ?', user.id);
  const rows = await sql(
    em,
    `select ${TACHE_RESOURCE.columns} ${TACHE_RESOURCE.from} ${where}
      order by t.date_echeance asc, t.id asc limit ?`,
    [...where.params, limit],
  );
  return rows.map(TACHE_RESOURCE.map);
}

/**
 * Closed opportunities (resultat set): conversion, won amount, mean sales cycle of won ones
 * (creation → conclusion, in days) and the last 12 months. An opportunity closed without a
 * recorded `date_conclusion` (imported data) counts at its last modification.
 */
export async function dashboardPerformance(em: EntityManager, user: AuthUser): Promise<DashboardPerformance> {
  const where = scopeByClient(new Where().add('o.resultat is not null'), user);
  const now = today();
  const row = (await sqlOne(
    em,
    `with closed as (
       select o.resultat, o.montant, o.date_creation, coalesce(o.date_conclusion, o.date_modification) as conclue_le
         from opportunites o ${clientJoinFor(user, 'o')} ${where}
     ),
     months as (
       select to_char(m, 'YYYY-MM') as mois
         from generate_series(date_trunc('month', ?::timestamp) - interval '11 months', date_trunc('month', ?::timestamp), interval '1 month') m
     ),
     per_month as (
       select to_char(conclue_le at time zone 'UTC', 'YYYY-MM') as mois,
              count(*) filter (where resultat = 'gagnee')::int as gagnees,
              count(*) filter (where resultat = 'perdue')::int as perdues,
              coalesce(sum(montant) filter (where resultat = 'gagnee'), 0)::text as montant_gagne
         from closed group by 1
     )
     select t.gagnees, t.perdues, t.montant_gagne, t.cycle_jours,
            (select json_agg(json_build_object('mois', m.mois, 'gagnees', coalesce(pm.gagnees, 0), 'perdues', coalesce(pm.perdues, 0),
                                               'montantGagne', coalesce(pm.montant_gagne, '0')) order by m.mois)
               from months m left join per_month pm on pm.mois = m.mois) as par_mois
       from (select count(*) filter (where resultat = 'gagnee')::int as gagnees,
                    count(*) filter (where resultat = 'perdue')::int as perdues,
                    coalesce(sum(montant) filter (where resultat = 'gagnee'), 0)::text as montant_gagne,
                    (avg(extract(epoch from conclue_le - date_creation)) filter (where resultat = 'gagnee') / 86400)::float8 as cycle_jours
               from closed) t`,
    [...where.params, now, now],
  ))!;
  const parMois = (typeof row.par_mois === 'string' ? JSON.parse(row.par_mois) : row.par_mois) as Row[];
  return {
    tauxConversion: tauxConversion(row.gagnees, row.perdues),
    nbGagnees: row.gagnees,
    nbPerdues: row.perdues,
    montantGagne: money(row.montant_gagne),
    cycleVenteMoyenJours: row.cycle_jours === null ? 0 : Math.round(Number(row.cycle_jours) * 10) / 10,
    parMois: parMois.map((m) => ({
      mois: m.mois,
      gagnees: m.gagnees,
      perdues: m.perdues,
      montantGagne: money(m.montantGagne),
    })),
  };
}
