import { Migration } from '@mikro-orm/migrations';

/**
 * Kanban neighbours read in constant time. A move reads the keys just before and after its place
 * in a column; PostgreSQL served those reads from the bare `position` index (kept for
 * `?ordering=position`) filtered by column, whose cost grows with the other columns' cards (38 ms
 * on the bench's 200 000 opportunités, where the (column, position) unique, being deferrable, lost
 * on estimated cost). A plain (column, position) index including id answers each neighbour with
 * one index-only step (apps/api/src/services/kanban.ts).
 */
export class Migration20261206170000_colonne_index extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index opportunites_colonne_position_idx on opportunites (etape, position) include (id);');
    this.addSql('create index taches_colonne_position_idx on taches (statut, position) include (id);');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists opportunites_colonne_position_idx;');
    this.addSql('drop index if exists taches_colonne_position_idx;');
  }
}
