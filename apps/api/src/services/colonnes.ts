import type { EntityManager } from '@crm/db';
import type { OpportuniteColonneOut, TacheColonneOut } from '@crm/shared';
import { ETAPES, TACHE_STATUTS } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { sql } from '../lib/sql/runner.js';
import { today } from '../lib/sql/values.js';
import { VALEUR_PONDEREE_CENTIMES_SQL } from './valeurPonderee.js';
import { opportuniteFilters } from './opportunites/queries.js';
import { tacheFilters } from './taches/queries.js';

type OpportuniteFilterInput = Parameters<typeof opportuniteFilters>[1];
type TacheFilterInput = Parameters<typeof tacheFilters>[1];

const cents = (v: string | number | null) => Number(v ?? 0) / 100;

/**
 * Kanban column totals (`GET /opportunites/colonnes/`) over what the list with the same filters
 * shows the caller: one grouped statement; amounts summed in integer cents (exact), the weighted
 * amount of open deals only, conclusion split into won and lost. Every stage is in the answer.
 */
export async function opportuniteColonnes(
  em: EntityManager,
  user: AuthUser,
  input: OpportuniteFilterInput,
): Promise<OpportuniteColonneOut[]> {
  const where = opportuniteFilters(user, input);
  const rows = await sql(
    em,
    `select o.etape, count(*)::int as nombre, sum(o.montant_centimes) as montant,
            coalesce(sum(${VALEUR_PONDEREE_CENTIMES_SQL('o')}) filter (where o.etape <> 'conclusion'), 0) as pondere,
            count(*) filter (where o.resultat = 'gagnee')::int as gagnees, coalesce(sum(o.montant_centimes) filter (where o.resultat = 'gagnee'), 0) as montant_gagnees,
            count(*) filter (where o.resultat = 'perdue')::int as perdues, coalesce(sum(o.montant_centimes) filter (where o.resultat = 'perdue'), 0) as montant_perdues
       from opportunites o ${where} group by o.etape`,
    where.params,
  );
  const byEtape = new Map(rows.map((r) => [r.etape, r]));
  return ETAPES.map((etape) => {
    const r = byEtape.get(etape);
    const col: OpportuniteColonneOut = {
      etape,
      nombre: r?.nombre ?? 0,
      montant: cents(r?.montant ?? 0),
      montantPondere: cents(r?.pondere ?? 0),
    };
    if (etape === 'conclusion') {
      col.gagnees = { nombre: r?.gagnees ?? 0, montant: cents(r?.montant_gagnees ?? 0) };
      col.perdues = { nombre: r?.perdues ?? 0, montant: cents(r?.montant_perdues ?? 0) };
    }
    return col;
  });
}

/** Task board column totals (`GET /taches/colonnes/`): per statut, the number and the overdue ones, one statement. */
export async function tacheColonnes(
  em: EntityManager,
  user: AuthUser,
  input: TacheFilterInput,
): Promise<TacheColonneOut[]> {
  const where = tacheFilters(user, input);
  const rows = await sql(
    em,
    `select t.statut, count(*)::int as nombre,
            count(*) filter (where t.date_echeance < ?::date and t.statut <> 'terminee')::int as en_retard
       from taches t ${where} group by t.statut`,
    [today(), ...where.params],
  );
  const byStatut = new Map(rows.map((r) => [r.statut, r]));
  return TACHE_STATUTS.map((statut) => ({
    statut,
    nombre: byStatut.get(statut)?.nombre ?? 0,
    enRetard: byStatut.get(statut)?.en_retard ?? 0,
  }));
}
