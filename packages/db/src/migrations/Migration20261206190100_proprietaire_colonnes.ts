import { Migration } from '@mikro-orm/migrations';

/**
 * A commercial's board: each column is `?etape=…&ordering=position` (or `statut` for tâches) among
 * their own cards, and its header the column's totals. With the owner first, then the column and
 * the key, a column's page is one index range and the totals an index-only scan; without it
 * PostgreSQL read all of a commercial's cards (20 000 on the bench) to keep one column's.
 */
export class Migration20261206190100_proprietaire_colonnes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create index opportunites_proprio_colonne_idx on opportunites (proprietaire_id, etape, position) include (id, montant_centimes, probabilite, resultat);',
    );
    this.addSql(
      'create index taches_proprio_colonne_idx on taches (proprietaire_id, statut, position) include (id, date_echeance);',
    );
    this.addSql(
      'create index taches_assigne_colonne_idx on taches (assigne_a_id, statut, position) include (id, date_echeance);',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists opportunites_proprio_colonne_idx;');
    this.addSql('drop index if exists taches_proprio_colonne_idx;');
    this.addSql('drop index if exists taches_assigne_colonne_idx;');
  }
}
