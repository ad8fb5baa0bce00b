import { Migration } from '@mikro-orm/migrations';

/** Dashboard "opportunités actives": open deals by soonest estimated close, without sorting them all. */
export class Migration20261125140000_open_opportunites_idx extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index opportunites_open_close_idx on opportunites (date_conclusion_estimee, id) where etape <> 'conclusion';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists opportunites_open_close_idx;');
  }
}
