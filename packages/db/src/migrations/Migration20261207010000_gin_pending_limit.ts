import { Migration } from '@mikro-orm/migrations';

/** Runs `alter index <ix> <change>` on every GIN index of the schema. */
const onEveryGinIndex = (change: string) => `do $$ declare ix regclass; begin
  for ix in select i.indexrelid::regclass from pg_index i join pg_class c on c.oid = i.indexrelid
              join pg_am a on a.oid = c.relam join pg_namespace n on n.oid = c.relnamespace
             where a.amname = 'gin' and n.nspname = current_schema() loop
    execute format('alter index %s ${change}', ix);
  end loop;
end $$;`;

/**
 * The search indexes (GIN: folded words and trigrams) take new entries in a pending list that every
 * search scans from end to end, merged into the index only by (auto)vacuum or when it outgrows
 * `gin_pending_list_limit` (4 MB by default). A kanban move rewrites its row (position and column
 * are indexed, so the update is never HOT) and adds the row's words and trigrams to that list: after
 * 3 000 moves the opportunités' lists held 460 pages (19 000 entries) and a search that found
 * nothing there spent 2 ms reading them. A limit of 64 kB keeps each list under 8 pages; the
 * writer that fills it merges it (a few ms, about once per hundred moves).
 */
export class Migration20261207010000_gin_pending_limit extends Migration {
  override async up(): Promise<void> {
    this.addSql(onEveryGinIndex('set (gin_pending_list_limit = 64)'));
  }

  override async down(): Promise<void> {
    this.addSql(onEveryGinIndex('reset (gin_pending_list_limit)'));
  }
}
