import type { EntityManager } from '@crm/db';
import {
  ETAPES,
  PROJET_STATUTS,
  type Rapport,
  type RapportClients,
  type RapportFiltres,
  type RapportOpportunites,
  type RapportPerformances,
  type RapportPipeline,
  type RapportProjets,
} from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import type { AnswerCache } from '../lib/answerCache.js';
import { sqlOne } from '../lib/sql/runner.js';
import { money, today } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { clientJoinFor, tauxConversion } from './dashboard.js';
import { cachedForUser } from './cachedAnswers.js';
import { userName, type Row } from './listing.js';
import { VALEUR_PONDEREE_SQL } from './valeurPonderee.js';
import { scopeByClient, scopeTaches, seesAll } from './visibility.js';

/**
 * Reports: JSON aggregates over what the caller may see, filtered by period (dateDebut / dateFin,
 * inclusive UTC dates on dateCreation) and by the resource's list filters. One SQL statement each;
 * the groupings come back as JSON arrays built by PostgreSQL, amounts as exact numeric text.
 */

/** Inclusive calendar-date period on a timestamptz column, in UTC. */
function addPeriode(where: Where, column: string, f: { dateDebut?: string; dateFin?: string }): Where {
  if (f.dateDebut) where.add(`${column} >= (?::date)::timestamp at time zone 'UTC'`, f.dateDebut);
  if (f.dateFin) where.add(`${column} < (?::date + 1)::timestamp at time zone 'UTC'`, f.dateFin);
  return where;
}

/** `json_agg` of a subquery's rows in order, `[]` when none. */
const jsonRows = (fields: string, from: string, order: string) =>
  `(select coalesce(json_agg(json_build_object(${fields}) order by ${order}), '[]'::json) from ${from})`;

/** A constant list of choice codes as a SQL array literal (codes are [a-z_], checked). */
function codesArray(codes: readonly string[]): string {
  if (!codes.every((c) => /^[a-z_]+$/.test(c))) throw new Error('not a choice code');
  return `array[${codes.map((c) => `'${c}'`).join(', ')}]::text[]`;
}

const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

// --- clients -------------------------------------------------------------------------------

export async function rapportClients(
  em: EntityManager,
  user: AuthUser,
  f: RapportFiltres<'clients'>,
): Promise<RapportClients> {
  const where = addPeriode(scopeByClient(new Where(), user), 'c.date_creation', f);
  if (f.categorie !== undefined) where.add('c.categorie = ?', f.categorie);
  if (f.responsable !== undefined) where.add('c.responsable_id = ?', f.responsable);
  // One pass: each client with its won / weighted amounts, folded at once into (categorie,
  // responsable, month) groups; the answer's totals and groupings are sums over those few groups.
  const row = (await sqlOne(
    em,
    `with per_client as (
       select c.categorie, c.responsable_id, date_trunc('month', c.date_creation at time zone 'UTC') as m,
              coalesce(sum(o.montant) filter (where o.resultat = 'gagnee'), 0) as gagne,
              coalesce(sum(${VALEUR_PONDEREE_SQL('o')}) filter (where o.etape <> 'conclusion'), 0) as pondere
         from clients c left join opportunites o on o.client_id = c.id ${where} group by c.id
     ),
     g as (
       select categorie, responsable_id, m, count(*)::int as n, sum(gagne) as gagne, sum(pondere) as pondere
         from per_client group by 1, 2, 3
     )
     select (select coalesce(sum(n), 0)::int from g) as total,
            (select coalesce(sum(gagne), 0)::text from g) as valeur_totale,
            (select coalesce(sum(pondere), 0)::text from g) as pipeline_pondere,
            ${jsonRows(`'categorie', categorie, 'nombre', n, 'valeurClient', v`, `(select categorie, sum(n)::int as n, sum(gagne)::text as v from g group by categorie) x`, 'n desc, categorie')} as par_categorie,
            ${jsonRows(
              `'responsable', responsable_id, 'responsableNom', nom, 'nombre', n, 'valeurClient', v`,
              `(select x.responsable_id, ${userName('u')} as nom, x.n, x.v
                  from (select responsable_id, sum(n)::int as n, sum(gagne)::text as v from g group by responsable_id) x
                  left join users u on u.id = x.responsable_id) x`,
              'n desc, nom nulls last',
            )} as par_responsable,
            ${jsonRows(`'mois', to_char(m, 'YYYY-MM'), 'nombre', n`, `(select m, sum(n)::int as n from g group by m) x`, 'm')} as par_mois`,
    where.params,
  ))!;
  return {
    total: row.total,
    valeurTotale: money(row.valeur_totale),
    pipelinePondere: money(row.pipeline_pondere),
    parCategorie: parseJson<Row[]>(row.par_categorie).map((r) => ({
      categorie: r.categorie,
      nombre: r.nombre,
      valeurClient: money(r.valeurClient),
    })),
    parResponsable: parseJson<Row[]>(row.par_responsable).map((r) => ({
      responsable: r.responsable,
      responsableNom: r.responsable === null ? null : r.responsableNom,
      nombre: r.nombre,
      valeurClient: money(r.valeurClient),
    })),
    parMois: parseJson<RapportClients['parMois']>(row.par_mois),
  };
}

// --- projets -------------------------------------------------------------------------------

export async function rapportProjets(
  em: EntityManager,
  user: AuthUser,
  f: RapportFiltres<'projets'>,
): Promise<RapportProjets> {
  const now = today();
  const where = addPeriode(scopeByClient(new Where(), user), 'p.date_creation', f);
  if (f.statut !== undefined) where.add('p.statut = ?', f.statut);
  if (f.client !== undefined) where.add('p.client_id = ?', f.client);
  const late = `(p.date_fin < ?::date and p.statut <> 'termine')`;
  if (f.enRetard !== undefined) where.add(f.enRetard ? late : `not coalesce(${late}, false)`, now);
  const row = (await sqlOne(
    em,
    `with x as (
       select p.statut, p.budget, p.date_creation, coalesce(${late}, false) as en_retard
         from projets p ${clientJoinFor(user, 'p')} ${where}
     )
     select (select count(*)::int from x) as total,
            (select coalesce(sum(budget), 0)::text from x) as budget_total,
            (select count(*) filter (where en_retard)::int from x) as en_retard,
            ${jsonRows(
              `'statut', s.statut, 'nombre', coalesce(g.n, 0), 'budget', coalesce(g.b, '0')`,
              `unnest(${codesArray(PROJET_STATUTS)}) with ordinality as s(statut, ord) left join (select statut, count(*)::int as n, sum(budget)::text as b from x group by statut) g on g.statut = s.statut`,
              's.ord',
            )} as par_statut,
            ${jsonRows(`'mois', mois, 'nombre', n, 'budget', b`, `(select to_char(date_creation at time zone 'UTC', 'YYYY-MM') as mois, count(*)::int as n, coalesce(sum(budget), 0)::text as b from x group by 1) g`, 'mois')} as par_mois`,
    [now, ...where.params],
  ))!;
  return {
    total: row.total,
    budgetTotal: money(row.budget_total),
    enRetard: row.en_retard,
    parStatut: parseJson<Row[]>(row.par_statut).map((r) => ({
      statut: r.statut,
      nombre: r.nombre,
      budget: money(r.budget),
    })),
    parMois: parseJson<Row[]>(row.par_mois).map((r) => ({ mois: r.mois, nombre: r.nombre, budget: money(r.budget) })),
  };
}

// --- opportunites and pipeline -------------------------------------------------------------

function opportuniteWhere(user: AuthUser, f: RapportFiltres<'opportunites'>): Where {
  const where = addPeriode(scopeByClient(new Where(), user), 'o.date_creation', f);
  if (f.etape !== undefined) where.add('o.etape = ?', f.etape);
  if (f.client !== undefined) where.add('o.client_id = ?', f.client);
  if (f.responsable !== undefined) where.add('o.responsable_id = ?', f.responsable);
  if (f.resultat !== undefined) where.add('o.resultat = ?', f.resultat);
  if (f.montantMin !== undefined) where.add('o.montant >= ?', f.montantMin);
  if (f.montantMax !== undefined) where.add('o.montant <= ?', f.montantMax);
  return where;
}

export async function rapportOpportunites(
  em: EntityManager,
  user: AuthUser,
  f: RapportFiltres<'opportunites'>,
): Promise<RapportOpportunites> {
  const where = opportuniteWhere(user, f);
  // One pass over the opportunities into (etape, month) groups; everything else sums those groups.
  const row = (await sqlOne(
    em,
    `with g as (
       select o.etape, date_trunc('month', o.date_creation at time zone 'UTC') as m, count(*)::int as n,
              sum(o.montant) as montant,
              coalesce(sum(${VALEUR_PONDEREE_SQL('o')}) filter (where o.etape <> 'conclusion'), 0) as pondere,
              count(*) filter (where o.resultat = 'gagnee')::int as gagnees,
              count(*) filter (where o.resultat = 'perdue')::int as perdues,
              coalesce(sum(o.montant) filter (where o.resultat = 'gagnee'), 0) as montant_gagne
         from opportunites o ${clientJoinFor(user, 'o')} ${where} group by 1, 2
     )
     select t.*,
            ${jsonRows(
              `'etape', s.etape, 'nombre', coalesce(x.n, 0), 'montant', coalesce(x.m, '0')`,
              `unnest(${codesArray(ETAPES)}) with ordinality as s(etape, ord) left join (select etape, sum(n)::int as n, sum(montant)::text as m from g group by etape) x on x.etape = s.etape`,
              's.ord',
            )} as par_etape,
            ${jsonRows(`'mois', to_char(m, 'YYYY-MM'), 'nombre', n, 'montant', mt`, `(select m, sum(n)::int as n, sum(montant)::text as mt from g group by m) x`, 'm')} as par_mois
       from (select coalesce(sum(n), 0)::int as total,
                    coalesce(sum(montant), 0)::text as montant_total,
                    coalesce(sum(pondere), 0)::text as montant_pondere,
                    coalesce(sum(gagnees), 0)::int as gagnees,
                    coalesce(sum(perdues), 0)::int as perdues,
                    coalesce(sum(montant_gagne), 0)::text as montant_gagne
               from g) t`,
    where.params,
  ))!;
  return {
    total: row.total,
    montantTotal: money(row.montant_total),
    montantPondere: money(row.montant_pondere),
    gagnees: row.gagnees,
    perdues: row.perdues,
    tauxConversion: tauxConversion(row.gagnees, row.perdues),
    montantGagne: money(row.montant_gagne),
    parEtape: parseJson<Row[]>(row.par_etape).map((r) => ({
      etape: r.etape,
      nombre: r.nombre,
      montant: money(r.montant),
    })),
    parMois: parseJson<Row[]>(row.par_mois).map((r) => ({ mois: r.mois, nombre: r.nombre, montant: money(r.montant) })),
  };
}

/** Every stage in pipeline order (empty ones included): count, Σ montant, Σ valeur pondérée. */
export async function rapportPipeline(
  em: EntityManager,
  user: AuthUser,
  f: RapportFiltres<'pipeline'>,
): Promise<RapportPipeline> {
  const where = opportuniteWhere(user, f);
  const row = (await sqlOne(
    em,
    `select ${jsonRows(
      `'etape', s.etape, 'nombre', coalesce(g.n, 0), 'montant', coalesce(g.m, '0'), 'montantPondere', coalesce(g.p, '0')`,
      `unnest(${codesArray(ETAPES)}) with ordinality as s(etape, ord) left join (
         select o.etape, count(*)::int as n, sum(o.montant)::text as m, sum(${VALEUR_PONDEREE_SQL('o')})::text as p
           from opportunites o ${clientJoinFor(user, 'o')} ${where} group by o.etape
       ) g on g.etape = s.etape`,
      's.ord',
    )} as etapes`,
    where.params,
  ))!;
  return parseJson<Row[]>(row.etapes).map((r) => ({
    etape: r.etape,
    nombre: r.nombre,
    montant: money(r.montant),
    montantPondere: money(r.montantPondere),
  }));
}

// --- performances --------------------------------------------------------------------------

/**
 * Per user: won / lost opportunities they are `responsable` of, conversion and won amount; taches
 * assigned to them done and overdue. Rows: every user with visible activity, plus (for admins and
 * managers) every active user, plus (for a commercial) themselves.
 */
export async function rapportPerformances(
  em: EntityManager,
  user: AuthUser,
  f: RapportFiltres<'performances'>,
): Promise<RapportPerformances> {
  const now = today();
  const opps = addPeriode(scopeByClient(new Where().add('o.responsable_id is not null'), user), 'o.date_creation', f);
  const taches = addPeriode(scopeTaches(new Where().add('t.assigne_a_id is not null'), user), 't.date_creation', f);
  if (f.client !== undefined) {
    opps.add('o.client_id = ?', f.client);
    taches.add('t.client_id = ?', f.client);
  }
  const users = new Where().add(
    `(po.uid is not null or pt.uid is not null or ${seesAll(user) ? 'u.is_active' : 'u.id = ?'})`,
    ...(seesAll(user) ? [] : [user.id]),
  );
  if (f.responsable !== undefined) users.add('u.id = ?', f.responsable);
  const row = (await sqlOne(
    em,
    `with po as (
       select o.responsable_id as uid,
              count(*) filter (where o.resultat = 'gagnee')::int as gagnees,
              count(*) filter (where o.resultat = 'perdue')::int as perdues,
              coalesce(sum(o.montant) filter (where o.resultat = 'gagnee'), 0) as montant_gagne
         from opportunites o ${clientJoinFor(user, 'o')} ${opps} group by o.responsable_id
     ),
     pt as (
       select t.assigne_a_id as uid,
              count(*) filter (where t.statut = 'terminee')::int as terminees,
              count(*) filter (where t.statut <> 'terminee' and t.date_echeance < ?::date)::int as en_retard
         from taches t ${clientJoinFor(user, 't', 'left join')} ${taches} group by t.assigne_a_id
     )
     select ${jsonRows(
       `'user', id, 'userNom', nom, 'gagnees', gagnees, 'perdues', perdues, 'montantGagne', montant_gagne, 'tachesTerminees', terminees, 'tachesEnRetard', en_retard`,
       `(select u.id, ${userName('u')} as nom, coalesce(po.gagnees, 0) as gagnees, coalesce(po.perdues, 0) as perdues,
                coalesce(po.montant_gagne, 0) as montant_num, coalesce(po.montant_gagne, 0)::text as montant_gagne,
                coalesce(pt.terminees, 0) as terminees, coalesce(pt.en_retard, 0) as en_retard
           from users u left join po on po.uid = u.id left join pt on pt.uid = u.id ${users}) r`,
       'montant_num desc, gagnees desc, nom, id',
     )} as lignes`,
    [...opps.params, now, ...taches.params, ...users.params],
  ))!;
  return parseJson<Row[]>(row.lignes).map((r) => ({
    user: r.user,
    userNom: r.userNom,
    gagnees: r.gagnees,
    perdues: r.perdues,
    tauxConversion: tauxConversion(r.gagnees, r.perdues),
    montantGagne: money(r.montantGagne),
    tachesTerminees: r.tachesTerminees,
    tachesEnRetard: r.tachesEnRetard,
  }));
}

export interface RapportOutputs {
  clients: RapportClients;
  projets: RapportProjets;
  opportunites: RapportOpportunites;
  pipeline: RapportPipeline;
  performances: RapportPerformances;
}

export const RAPPORT_SERVICES: {
  [R in Rapport]: (em: EntityManager, user: AuthUser, f: RapportFiltres<R>) => Promise<RapportOutputs[R]>;
} = {
  clients: rapportClients,
  projets: rapportProjets,
  opportunites: rapportOpportunites,
  pipeline: rapportPipeline,
  performances: rapportPerformances,
};

/** A report's data, cached per (report, visibility scope, filters) until the next write to its tables. */
export function cachedRapport<R extends Rapport>(
  cache: AnswerCache,
  em: EntityManager,
  user: AuthUser,
  rapport: R,
  filtres: RapportFiltres<R>,
): Promise<RapportOutputs[R]> {
  const compute = RAPPORT_SERVICES[rapport] as (
    em: EntityManager,
    user: AuthUser,
    f: RapportFiltres<R>,
  ) => Promise<RapportOutputs[R]>;
  return cachedForUser(cache, user, `rapports.${rapport}`, filtres as Record<string, unknown>, () =>
    compute(em, user, filtres),
  );
}
