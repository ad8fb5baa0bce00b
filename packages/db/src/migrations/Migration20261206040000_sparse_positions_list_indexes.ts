import { Migration } from '@mikro-orm/migrations';

/**
 * Lists and boards at scale.
 *
 * - Kanban `position` becomes a sparse sort key (contract: unique and ordered per column, not
 *   contiguous): existing contiguous positions are spread to multiples of 1024 (less where a
 *   column is so big that 1024 would overflow int), so a move finds a free key between its
 *   neighbours and writes one row.
 * - Every ordering of the contract has a (column, id) index (the lists end every order on id), and
 *   the ranked `-priorite` of tâches an expression index on the same rank as the API's ORDER BY.
 * - Column aggregates of the boards (`colonnes`) read covering indexes (index-only scans).
 * - The lists search the folded `recherche` column (Migration20261206080000_recherche): the
 *   trigram indexes on the crm_fold() expressions are dropped.
 */
export class Migration20261206040000_sparse_positions_list_indexes extends Migration {
  override async up(): Promise<void> {
    for (const [table, column] of [
      ['opportunites', 'etape'],
      ['taches', 'statut'],
    ]) {
      this.addSql(`
with r as (
  select id, row_number() over (partition by ${column} order by position, id) - 1 as rn, count(*) over (partition by ${column}) as n
  from ${table}
)
update ${table} t set position = r.rn * greatest(1, least(1024, 2147483647 / (r.n + 1)))
from r where r.id = t.id and t.position is distinct from r.rn * greatest(1, least(1024, 2147483647 / (r.n + 1)));`);
    }
    // The (column, position) uniques are deferred: check them now, or the pending checks forbid the
    // CREATE INDEX below in the same transaction.
    this.addSql('set constraints all immediate;');
    const indexes = [
      'create index clients_societe_idx on clients (societe, id)',
      'create index clients_date_modification_idx on clients (date_modification, id)',
      'create index clients_categorie_date_idx on clients (categorie, date_creation, id)',
      'drop index if exists clients_categorie_idx',
      'create index projets_titre_idx on projets (crm_fold(titre), id)',
      'create index projets_date_debut_idx on projets (date_debut, id)',
      'create index projets_date_fin_order_idx on projets (date_fin, id)',
      'create index projets_budget_idx on projets (budget, id)',
      'create index projets_statut_date_idx on projets (statut, date_creation, id)',
      'create index opportunites_nom_idx on opportunites (crm_fold(nom), id)',
      'create index opportunites_montant_idx on opportunites (montant, id)',
      'create index opportunites_probabilite_idx on opportunites (probabilite, id)',
      'create index opportunites_date_conclusion_estimee_idx on opportunites (date_conclusion_estimee, id)',
      'create index opportunites_position_idx on opportunites (position, id)',
      'create index opportunites_colonnes_idx on opportunites (etape) include (montant_centimes, probabilite, resultat, client_id)',
      `create index taches_priorite_idx on taches ((case priorite when 'basse' then 1 when 'moyenne' then 2 when 'haute' then 3 when 'urgente' then 4 end), id)`,
      'create index taches_position_idx on taches (position, id)',
      'create index taches_colonnes_idx on taches (statut) include (date_echeance, assigne_a_id, client_id)',
      'create index devis_montant_idx on devis (montant, id)',
      'create index devis_version_idx on devis (version, id)',
      'create index devis_opportunite_idx on devis (opportunite_id) include (statut)',
    ];
    for (const i of indexes) this.addSql(`${i};`);
    for (const t of ['clients', 'projets', 'opportunites', 'taches', 'devis'])
      this.addSql(`drop index if exists ${t}_search_trgm;`);
  }

  override async down(): Promise<void> {
    for (const i of [
      'clients_societe_idx',
      'clients_date_modification_idx',
      'clients_categorie_date_idx',
      'projets_titre_idx',
      'projets_date_debut_idx',
      'projets_date_fin_order_idx',
      'projets_budget_idx',
      'projets_statut_date_idx',
      'opportunites_nom_idx',
      'opportunites_montant_idx',
      'opportunites_probabilite_idx',
      'opportunites_date_conclusion_estimee_idx',
      'opportunites_position_idx',
      'opportunites_colonnes_idx',
      'taches_priorite_idx',
      'taches_position_idx',
      'taches_colonnes_idx',
      'devis_montant_idx',
      'devis_version_idx',
      'devis_opportunite_idx',
    ])
      this.addSql(`drop index if exists ${i};`);
    this.addSql('create index if not exists clients_categorie_idx on clients (categorie);');
    // Positions stay sparse: still unique and ordered, which is all the old code needed too.
  }
}
