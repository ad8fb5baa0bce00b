import { Migration } from '@mikro-orm/migrations';

/**
 * Integrations: API keys (`cles_api`), per-user calendar feed tokens (`calendriers`) and the
 * instance settings an admin changes at run time (`parametres`).
 *
 * - A key's secret is never stored: `hash` is the SHA-256 of the whole secret (unique, looked up on
 *   every request); `prefixe` (the first characters, not secret enough to use) identifies it in lists.
 * - `scopes` are `<famille>:lecture|ecriture` or `*:lecture|ecriture` (see packages/shared/src/platform.ts).
 * - A key acts as `user_id`; revocation sets `revoquee_le` (kept for the audit trail).
 */
export class Migration20261206090000_platform extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table cles_api (
      id serial primary key,
      nom varchar(100) not null check (btrim(nom) <> ''),
      prefixe varchar(16) not null,
      hash char(64) not null unique,
      scopes text[] not null check (cardinality(scopes) > 0),
      user_id integer not null references users (id),
      cree_par_id integer not null references users (id),
      expire_le timestamptz null,
      derniere_utilisation timestamptz null,
      derniere_ip varchar(64) not null default '',
      revoquee_le timestamptz null,
      date_creation timestamptz not null default now()
    );`);
    this.addSql(`create index cles_api_user_idx on cles_api (user_id);`);
    this.addSql(`create table calendriers (
      user_id integer primary key references users (id),
      hash char(64) not null unique,
      date_creation timestamptz not null default now()
    );`);
    this.addSql(`create table parametres (
      cle varchar(60) primary key,
      valeur jsonb not null
    );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists parametres;');
    this.addSql('drop table if exists calendriers;');
    this.addSql('drop table if exists cles_api;');
  }
}
