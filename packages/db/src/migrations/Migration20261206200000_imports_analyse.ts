import { Migration } from '@mikro-orm/migrations';

/**
 * Imports gain the state `analyse`: the upload stores the decoded file and answers at once, the
 * rows are analysed by a background job (50 000 rows took seconds inside the upload request), and
 * the import becomes `pret` with its preview. New imports start in that state.
 */
export class Migration20261206200000_imports_analyse extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table imports drop constraint imports_statut_check;`);
    this.addSql(
      `alter table imports add constraint imports_statut_check check (statut in ('analyse', 'pret', 'en_file', 'en_cours', 'termine', 'echoue'));`,
    );
    this.addSql(`alter table imports alter column statut set default 'analyse';`);
  }

  override async down(): Promise<void> {
    // An import still being analysed is offered again as ready (its preview is then empty until a new mapping).
    this.addSql(`update imports set statut = 'pret' where statut = 'analyse';`);
    this.addSql(`alter table imports drop constraint imports_statut_check;`);
    this.addSql(
      `alter table imports add constraint imports_statut_check check (statut in ('pret', 'en_file', 'en_cours', 'termine', 'echoue'));`,
    );
    this.addSql(`alter table imports alter column statut set default 'pret';`);
  }
}
