import { Migration } from '@mikro-orm/migrations';

/**
 * `?search=` on a stored, already folded column (`recherche` = crm_fold of the searched fields),
 * instead of trigram indexes on the crm_fold() expression. crm_fold (translate over a long
 * accented alphabet) costs tens of microseconds a row: a common term rechecked thousands of rows
 * with it, a one-letter term (no trigram) ran it on every row. Now the folding is paid once per
 * write and searches compare plain text. Not mapped by the entities (generated, read-only).
 */
const COLUMNS: Array<[table: string, expr: string]> = [
  ['clients', `nom || ' ' || societe || ' ' || coalesce(email, '')`],
  ['projets', `titre || ' ' || description`],
  ['opportunites', `nom || ' ' || notes`],
  ['taches', `titre || ' ' || description`],
  ['devis', `contenu`],
];

export class Migration20261206041000_search_columns extends Migration {
  override async up(): Promise<void> {
    for (const [table, expr] of COLUMNS) {
      this.addSql(`alter table ${table} add column recherche text generated always as (crm_fold(${expr})) stored;`);
      this.addSql(`drop index if exists ${table}_search_trgm;`);
    }
    // Where pg_trgm is missing, search still works (sequential scans of the folded column).
    const creates = COLUMNS.map(([table]) => `execute 'create index ${table}_recherche_trgm on ${table} using gin (recherche gin_trgm_ops)';`).join('\n  ');
    this.addSql(`
do $$
begin
  create extension if not exists pg_trgm;
  ${creates}
exception when others then
  raise notice 'pg_trgm unavailable, search runs without trigram indexes: %', sqlerrm;
end
$$;`);
  }

  override async down(): Promise<void> {
    for (const [table] of COLUMNS) this.addSql(`alter table ${table} drop column if exists recherche;`);
  }
}
