import type { EntityManager } from '@crm/db';
import type { ClientOut, DashboardPerformance, DashboardStats, OpportuniteOut, ProjetOut, TacheOut } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { money, sql, sqlOne, today, Where } from '../lib/db.js';
import { listClients } from './clients.js';
import { listProjets } from './projets.js';
import { type Row } from './listing.js';
import { OPPORTUNITE_RESOURCE } from './opportunites.js';
import { TACHE_RESOURCE } from './taches.js';
import { scopeByClient, scopeTaches, seesAll } from './visibility.js';

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

/** Valeur pondérée of one opportunity in SQL, to the cent (as on the opportunity itself). */
export const VALEUR_PONDEREE_SQL = (o: string) => `round(${o}.montant * ${o}.probabilite / 100.0, 2)`;

export async function dashboardStats(em: EntityManager, user: AuthUser): Promise<DashboardStats> {
  const clients = scopeByClient(new Where(), user);
  const projets = scopeByClient(new Where(), user);
  const opps = scopeByClient(new Where(), user);
  const taches = scopeTaches(new Where(), user);
  const devis = scopeByClient(new Where().add(`d.statut in ('envoye', 'consulte')`), user);
  const row = (await sqlOne(
    em,
    `select * from
      (select count(*)::int as total_clients from clients c ${clients}) cl,
      (select count(*)::int as total_projets,
              count(*) filter (where p.statut = 'a_faire')::int as a_faire,
              count(*) filter (where p.statut = 'en_cours')::int as en_cours,
              count(*) filter (where p.statut = 'termine')::int as termine
         from projets p ${clientJoinFor(user, 'p')} ${projets}) pr,
      (select count(*)::int as total_opportunites,
              count(*) filter (where o.etape <> 'conclusion')::int as ouvertes,
              coalesce(sum(o.montant) filter (where o.etape <> 'conclusion'), 0)::text as montant_pipeline,
              coalesce(sum(${VALEUR_PONDEREE_SQL('o')}) filter (where o.etape <> 'conclusion'), 0)::text as montant_pondere
         from opportunites o ${clientJoinFor(user, 'o')} ${opps}) op,
      (select count(*)::int as total_taches,
              count(*) filter (where t.statut <> 'terminee' and t.date_echeance < ?::date)::int as taches_en_retard
         from taches t ${clientJoinFor(user, 't', 'left join')} ${taches}) ta,
      (select count(*)::int as devis_en_attente
         from devis d ${seesAll(user) ? '' : 'join opportunites o on o.id = d.opportunite_id join clients c on c.id = o.client_id'} ${devis}) de`,
    [...clients.params, ...projets.params, ...opps.params, today(), ...taches.params, ...devis.params],
  ))!;
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
export async function tachesAVenir(em: EntityManager, user: AuthUser, limit: number, mine: boolean): Promise<TacheOut[]> {
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
    parMois: parMois.map((m) => ({ mois: m.mois, gagnees: m.gagnees, perdues: m.perdues, montantGagne: money(m.montantGagne) })),
  };
}
