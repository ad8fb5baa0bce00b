import { Migration } from '@mikro-orm/migrations';

/**
 * The daily digest e-mail (apps/api/src/services/resumeQuotidien.ts): one row per user and day a
 * digest was written to the outbox. Its primary key makes the digest exactly-once however many
 * instances run the scheduled job, and however often it is retried.
 */
export class Migration20261206171000_resumes_quotidiens extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table resumes_quotidiens (
  user_id int not null references users(id) on delete cascade,
  jour date not null,
  courriel_id int null references courriels(id) on delete set null,
  primary key (user_id, jour)
);`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists resumes_quotidiens;');
  }
}
