import { Migration } from '@mikro-orm/migrations';

/**
 * Dashboard counters (`GET /dashboard/stats/`) from index-only scans instead of whole-table scans:
 *
 * - `opportunites.montant_centimes`: the amount in integer cents (stored generated column, not
 *   mapped by the entity; it cannot be written). The pipeline sums run on bigint (exact, and far
 *   cheaper than numeric arithmetic per row), the weighted value to the cent in integer arithmetic.
 * - `opportunites_pipeline_idx`: the open opportunités' amounts (everyone's pipeline: an index-only
 *   scan of a partial index, no per-row test of `etape`).
 * - `taches_ouvertes_echeance_idx`: the open tâches by due date (overdue count: a range scan).
 * - `opportunites_client_idx`, `taches_assigne_idx`, `taches_client_idx`, `clients_responsable_idx`:
 *   the same keys as before, covering the columns the scoped counts and sums read (index-only
 *   scans for a commercial).
 */
export class Migration20261125150000_dashboard_perf extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table opportunites add column montant_centimes bigint generated always as ((montant * 100)::bigint) stored;`,
    );
    this.addSql(`drop index opportunites_client_idx;`);
    this.addSql(
      `create index opportunites_client_idx on opportunites (client_id) include (etape, montant_centimes, probabilite);`,
    );
    this.addSql(
      `create index opportunites_pipeline_idx on opportunites (montant_centimes, probabilite) where etape <> 'conclusion';`,
    );
    this.addSql(`create index taches_ouvertes_echeance_idx on taches (date_echeance) where statut <> 'terminee';`);
    this.addSql(`drop index taches_assigne_idx;`);
    this.addSql(`create index taches_assigne_idx on taches (assigne_a_id) include (statut, date_echeance);`);
    this.addSql(`drop index taches_client_idx;`);
    this.addSql(`create index taches_client_idx on taches (client_id) include (assigne_a_id, statut, date_echeance);`);
    this.addSql(`drop index clients_responsable_idx;`);
    this.addSql(`create index clients_responsable_idx on clients (responsable_id) include (id);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index clients_responsable_idx;`);
    this.addSql(`create index clients_responsable_idx on clients (responsable_id);`);
    this.addSql(`drop index taches_client_idx;`);
    this.addSql(`create index taches_client_idx on taches (client_id);`);
    this.addSql(`drop index taches_assigne_idx;`);
    this.addSql(`create index taches_assigne_idx on taches (assigne_a_id);`);
    this.addSql('drop index if exists taches_ouvertes_echeance_idx;');
    this.addSql('drop index if exists opportunites_pipeline_idx;');
    this.addSql(`drop index opportunites_client_idx;`);
    this.addSql(`create index opportunites_client_idx on opportunites (client_id);`);
    this.addSql('alter table opportunites drop column if exists montant_centimes;');
  }
}
