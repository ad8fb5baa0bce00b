import { Migration } from '@mikro-orm/migrations';

/**
 * Integrity rules that concurrent writers could break when they lived only in the services:
 * - a tâche of a projet always has the projet's client (even while the projet changes client and
 *   its tâches move on the board, or for writers that bypass the API);
 * - usernames and e-mails share one login namespace (login accepts either), case-insensitively.
 */
export class Migration20261206030000_integrity extends Migration {
  override async up(): Promise<void> {
    // `for share`: a transaction changing the projet's client holds its row, so this waits for it
    // and then reads the committed client; without it, a tâche inserted meanwhile would keep the
    // old one (the projet's update of its tâches cannot see a row not yet committed).
    this.addSql(`
create or replace function taches_client_of_projet() returns trigger language plpgsql as $$
declare
  projet_client int;
begin
  if new.projet_id is not null then
    select client_id into projet_client from projets where id = new.projet_id for share;
    -- A missing projet is left to the foreign key, which names the field.
    if found then new.client_id := projet_client; end if;
  end if;
  return new;
end
$$;`);
    this.addSql(`create trigger taches_client_of_projet before insert or update of projet_id, client_id on taches
  for each row execute function taches_client_of_projet();`);

    // One set-based statement, in the projet's own update: no window where they differ.
    this.addSql(`
create or replace function projets_client_to_taches() returns trigger language plpgsql as $$
begin
  update taches set client_id = new.client_id, date_modification = now()
   where projet_id = new.id and client_id is distinct from new.client_id;
  return null;
end
$$;`);
    this.addSql(`create trigger projets_client_to_taches after update of client_id on projets
  for each row when (old.client_id is distinct from new.client_id) execute function projets_client_to_taches();`);
    // Repair rows written before the rule existed.
    this.addSql(
      `update taches t set client_id = p.client_id from projets p where p.id = t.projet_id and t.client_id is distinct from p.client_id;`,
    );

    // A unique index cannot span two columns of different rows, so the check is serialized by a
    // transaction-scoped advisory lock: the second of two concurrent writers waits, then sees the
    // first one's committed row. Raised as a unique violation naming the field's constraint
    // (mapped to 409 on that field by the API).
    this.addSql(`
create or replace function users_login_namespace() returns trigger language plpgsql as $$
begin
  perform pg_advisory_xact_lock(hashtext('crm:users_login_namespace'));
  if exists (select 1 from users where id <> new.id and email <> '' and lower(email) = lower(new.username)) then
    raise exception 'username % is another user''s e-mail', new.username
      using errcode = 'unique_violation', constraint = 'users_username_login';
  end if;
  if new.email <> '' and exists (select 1 from users where id <> new.id and lower(username) = lower(new.email)) then
    raise exception 'e-mail % is another user''s username', new.email
      using errcode = 'unique_violation', constraint = 'users_email_login';
  end if;
  return new;
end
$$;`);
    this.addSql(`create trigger users_login_namespace before insert or update of username, email on users
  for each row execute function users_login_namespace();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger if exists users_login_namespace on users;');
    this.addSql('drop function if exists users_login_namespace();');
    this.addSql('drop trigger if exists projets_client_to_taches on projets;');
    this.addSql('drop function if exists projets_client_to_taches();');
    this.addSql('drop trigger if exists taches_client_of_projet on taches;');
    this.addSql('drop function if exists taches_client_of_projet();');
  }
}
