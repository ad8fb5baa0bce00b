import { Migration } from '@mikro-orm/migrations';

/**
 * Global search (`GET /recherche/`). Folding text with `crm_fold()` costs tens of microseconds a row
 * (lower() and translate() over multibyte text), which a broad query (« lef » matches thousands of
 * clients) pays on every match it rechecks. Each searched table gets its search text folded once,
 * at write time, in a stored generated column `recherche` (not mapped by the entities; it cannot be
 * written), with a trigram index on it. The lists' `?search=` keep their own expression indexes.
 *
 * Two indexes on it: words starting with the query's words (full-text prefix query, GIN on
 * `to_tsvector('simple', recherche)`) and any substring (trigrams). taches and devis get a
 * date_creation index like the other tables (newest first among hits, and their lists' ordering).
 */
const TABLES: Array<[table: string, text: string]> = [
  ['clients', `nom || ' ' || societe || ' ' || coalesce(email, '')`],
  ['projets', `titre || ' ' || description`],
  ['opportunites', `nom || ' ' || notes`],
  ['taches', `titre || ' ' || description`],
  ['devis', 'contenu'],
];

export class Migration20261206080000_recherche extends Migration {
  override async up(): Promise<void> {
    for (const [table, text] of TABLES) {
      this.addSql(`alter table ${table} add column recherche text generated always as (crm_fold(${text})) stored;`);
    }
    // Word starts (« lef » → Lefèvre): prefix full-text queries. Infixes (Morlefber): trigrams, below.
    for (const [table] of TABLES) {
      this.addSql(`create index ${table}_recherche_mots on ${table} using gin (to_tsvector('simple', recherche));`);
    }
    this.addSql(`create index taches_date_creation_idx on taches (date_creation, id);`);
    this.addSql(`create index devis_date_creation_idx on devis (date_creation, id);`);
    const indexes = TABLES.map(
      ([table]) => `execute 'create index ${table}_recherche_trgm on ${table} using gin (recherche gin_trgm_ops)';`,
    );
    this.addSql(`
do $$
begin
  create extension if not exists pg_trgm;
  ${indexes.join('\n  ')}
exception when others then
  raise notice 'pg_trgm unavailable, global search runs without trigram indexes: %', sqlerrm;
end
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists taches_date_creation_idx;');
    this.addSql('drop index if exists devis_date_creation_idx;');
    for (const [table] of TABLES) this.addSql(`alter table ${table} drop column recherche;`);
  }
}
