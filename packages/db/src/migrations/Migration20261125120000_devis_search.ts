import { Migration } from '@mikro-orm/migrations';

/**
 * `GET /devis/?search=` folds accents and case on `contenu` like the other resources; this gives
 * it the same trigram index they got in the init migration (skipped where pg_trgm is missing).
 */
export class Migration20261125120000_devis_search extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
do $$
begin
  create extension if not exists pg_trgm;
  execute 'create index if not exists devis_search_trgm on devis using gin (crm_fold(contenu) gin_trgm_ops)';
exception when others then
  raise notice 'pg_trgm unavailable, devis search runs without a trigram index: %', sqlerrm;
end
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists devis_search_trgm;');
  }
}
