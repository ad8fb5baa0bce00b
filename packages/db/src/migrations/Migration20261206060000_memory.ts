import { Migration } from '@mikro-orm/migrations';

/**
 * The CRM's memory: contacts of a client, activities, the timeline's recorded events and in-app
 * notifications. Every rule the database can hold is a constraint: one main contact per client
 * (partial unique), contact e-mail unique per client case-insensitively, activity links that stay
 * on the activity's client are checked by the API (cross-table), and notices of due/overdue tâches
 * exist once per key (partial unique on `cle`), whatever the number of job runners.
 */
export class Migration20261206060000_memory extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table contacts (
  id serial primary key,
  client_id int not null references clients(id) on delete cascade,
  prenom varchar(100) not null default '',
  nom varchar(100) not null check (btrim(nom) <> ''),
  fonction varchar(100) not null default '',
  email varchar(254) null,
  telephone varchar(20) not null default '',
  principal boolean not null default false,
  notes text not null default '',
  date_creation timestamptz not null default now(),
  date_modification timestamptz not null default now()
);`);
    this.addSql(
      `create unique index contacts_email_uniq on contacts (client_id, lower(email)) where email is not null;`,
    );
    this.addSql(`create unique index contacts_principal_uniq on contacts (client_id) where principal;`);
    this.addSql(`create index contacts_client_idx on contacts (client_id, nom, id);`);
    this.addSql(`create index contacts_date_creation_idx on contacts (date_creation, id);`);

    this.addSql(`alter table devis add column contact_id int null references contacts(id) on delete set null;`);
    this.addSql(`create index devis_contact_idx on devis (contact_id) where contact_id is not null;`);

    this.addSql(`
create table activites (
  id serial primary key,
  type varchar(20) not null check (type in ('note', 'appel', 'reunion', 'email', 'autre')),
  sujet varchar(200) not null check (btrim(sujet) <> ''),
  contenu text not null default '',
  date timestamptz not null default now(),
  auteur_id int null references users(id) on delete set null,
  client_id int not null references clients(id) on delete cascade,
  contact_id int null references contacts(id) on delete set null,
  opportunite_id int null references opportunites(id) on delete set null,
  projet_id int null references projets(id) on delete set null,
  date_creation timestamptz not null default now(),
  date_modification timestamptz not null default now()
);`);
    // Timeline pages read (date, id) backwards under one client or one opportunity.
    this.addSql(`create index activites_client_date_idx on activites (client_id, date desc, id desc);`);
    this.addSql(
      `create index activites_opportunite_date_idx on activites (opportunite_id, date desc, id desc) where opportunite_id is not null;`,
    );
    this.addSql(`create index activites_date_idx on activites (date, id);`);

    this.addSql(`
create table evenements (
  id bigserial primary key,
  type varchar(40) not null,
  client_id int not null references clients(id) on delete cascade,
  opportunite_id int null references opportunites(id) on delete set null,
  auteur_id int null references users(id) on delete set null,
  date timestamptz not null default now(),
  resume text not null,
  donnees jsonb not null default '{}'::jsonb
);`);
    this.addSql(`create index evenements_client_date_idx on evenements (client_id, date desc, id desc);`);
    this.addSql(
      `create index evenements_opportunite_date_idx on evenements (opportunite_id, date desc, id desc) where opportunite_id is not null;`,
    );

    this.addSql(`
create table notifications (
  id bigserial primary key,
  user_id int not null references users(id) on delete cascade,
  type varchar(40) not null,
  message text not null,
  lien varchar(200) not null default '',
  cle varchar(120) null,
  date_creation timestamptz not null default now(),
  date_lecture timestamptz null
);`);
    this.addSql(`create index notifications_user_idx on notifications (user_id, id desc);`);
    this.addSql(
      `create index notifications_non_lues_idx on notifications (user_id, id desc) where date_lecture is null;`,
    );
    // "Due today" / "overdue" notices: one per tâche and due date, however many runners race.
    this.addSql(`create unique index notifications_cle_uniq on notifications (cle) where cle is not null;`);

    this.addSql(`
do $$
begin
  execute 'create index contacts_search_trgm on contacts using gin (crm_fold(prenom || '' '' || nom || '' '' || coalesce(email, '''')) gin_trgm_ops)';
  execute 'create index activites_search_trgm on activites using gin (crm_fold(sujet || '' '' || contenu) gin_trgm_ops)';
exception when others then
  raise notice 'pg_trgm unavailable, search runs without trigram indexes: %', sqlerrm;
end
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists notifications cascade;');
    this.addSql('drop table if exists evenements cascade;');
    this.addSql('drop table if exists activites cascade;');
    this.addSql('alter table devis drop column if exists contact_id;');
    this.addSql('drop table if exists contacts cascade;');
  }
}
