import { Migration } from '@mikro-orm/migrations';

/**
 * Initial schema. Written by hand so that every validation of the contract that the database can
 * enforce is a constraint (checks, uniques, FKs), and every filter/search/order path has an index.
 */
export class Migration20261125000000_init extends Migration {
  override async up(): Promise<void> {
    // Accent- and case-insensitive folding, immutable so it can back expression indexes.
    // (unaccent() is not immutable and not always installed; translate() always is.)
    this.addSql(`
create or replace function crm_fold(t text) returns text language sql immutable parallel safe as $$
  select replace(replace(translate(lower(coalesce(t, '')),
    'àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźžż',
    'aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrsssstuuuuuuuuyyzzz'), 'œ', 'oe'), 'æ', 'ae')
$$;`);

    this.addSql(`
create table users (
  id serial primary key,
  username varchar(150) not null check (btrim(username) <> ''),
  email varchar(254) not null default '',
  password_hash text not null,
  first_name varchar(150) not null default '',
  last_name varchar(150) not null default '',
  role varchar(20) not null default 'commercial' check (role in ('admin', 'manager', 'commercial')),
  departement varchar(100) not null default '',
  telephone varchar(20) not null default '',
  is_active boolean not null default true,
  date_creation timestamptz not null default now(),
  date_modification timestamptz not null default now()
);`);
    this.addSql(`create unique index users_username_uniq on users (lower(username));`);
    this.addSql(`create unique index users_email_uniq on users (lower(email)) where email <> '';`);

    this.addSql(`
create table sessions (
  id varchar(64) primary key,
  user_id int not null references users(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz null,
  revoked_reason varchar(40) null,
  ip varchar(64) not null default '',
  user_agent varchar(300) not null default ''
);`);
    this.addSql(`create index sessions_user_idx on sessions (user_id);`);
    this.addSql(`
create table refresh_tokens (
  token_hash varchar(64) primary key,
  session_id varchar(64) not null references sessions(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz null
);`);
    this.addSql(`create index refresh_tokens_session_idx on refresh_tokens (session_id);`);

    this.addSql(`
create table clients (
  id serial primary key,
  nom varchar(200) not null check (btrim(nom) <> ''),
  societe varchar(200) not null default '',
  email varchar(254) null,
  telephone varchar(20) not null default '',
  notes text not null default '',
  categorie varchar(50) not null default '',
  responsable_id int null references users(id) on delete restrict,
  date_creation timestamptz not null default now(),
  date_modification timestamptz not null default now()
);`);
    this.addSql(`create unique index clients_email_uniq on clients (lower(email)) where email is not null;`);
    this.addSql(`create index clients_responsable_idx on clients (responsable_id);`);
    this.addSql(`create index clients_categorie_idx on clients (categorie);`);
    this.addSql(`create index clients_date_creation_idx on clients (date_creation, id);`);
    this.addSql(`create index clients_nom_idx on clients (nom, id);`);

    this.addSql(`
create table opportunites (
  id serial primary key,
  nom varchar(200) not null check (btrim(nom) <> ''),
  client_id int not null references clients(id) on delete restrict,
  responsable_id int null references users(id) on delete restrict,
  montant numeric(14,2) not null default 0 check (montant >= 0),
  probabilite smallint not null default 0 check (probabilite between 0 and 100),
  etape varchar(20) not null default 'prospect'
    check (etape in ('prospect', 'qualification', 'proposition', 'negociation', 'conclusion')),
  resultat varchar(10) null check (resultat in ('gagnee', 'perdue')),
  motif_perte text not null default '',
  position int not null default 0,
  date_conclusion_estimee date null,
  date_conclusion timestamptz null,
  notes text not null default '',
  date_creation timestamptz not null default now(),
  date_modification timestamptz not null default now(),
  constraint opportunites_resultat_at_conclusion check ((etape = 'conclusion') = (resultat is not null)),
  constraint opportunites_position_uniq unique (etape, position) deferrable initially deferred
);`);
    this.addSql(`create index opportunites_client_idx on opportunites (client_id);`);
    this.addSql(`create index opportunites_responsable_idx on opportunites (responsable_id);`);
    this.addSql(`create index opportunites_date_creation_idx on opportunites (date_creation, id);`);
    this.addSql(
      `create index opportunites_conclusion_idx on opportunites (date_conclusion) where resultat is not null;`,
    );

    this.addSql(`
create table devis (
  id serial primary key,
  opportunite_id int not null references opportunites(id) on delete restrict,
  montant numeric(14,2) not null check (montant > 0),
  montant_tva numeric(14,2) not null default 0 check (montant_tva >= 0),
  statut varchar(20) not null default 'brouillon'
    check (statut in ('brouillon', 'envoye', 'consulte', 'accepte', 'refuse')),
  version int not null check (version >= 1),
  contenu text not null default '',
  lignes jsonb null,
  date_envoi timestamptz null,
  date_creation timestamptz not null default now(),
  date_modification timestamptz not null default now(),
  constraint devis_version_uniq unique (opportunite_id, version)
);`);
    this.addSql(`create index devis_statut_idx on devis (statut);`);

    this.addSql(`
create table projets (
  id serial primary key,
  titre varchar(200) not null check (btrim(titre) <> ''),
  description text not null default '',
  statut varchar(20) not null default 'a_faire' check (statut in ('a_faire', 'en_cours', 'termine')),
  date_debut date null,
  date_fin date null,
  budget numeric(14,2) null check (budget >= 0),
  devis_associe_id int null references devis(id) on delete set null,
  client_id int not null references clients(id) on delete restrict,
  date_creation timestamptz not null default now(),
  date_modification timestamptz not null default now(),
  constraint projets_dates_order check (date_debut is null or date_fin is null or date_fin > date_debut)
);`);
    this.addSql(`create index projets_client_idx on projets (client_id);`);
    this.addSql(`create index projets_date_creation_idx on projets (date_creation, id);`);
    this.addSql(`create index projets_date_fin_idx on projets (date_fin) where statut <> 'termine';`);

    this.addSql(`
create table taches (
  id serial primary key,
  titre varchar(200) not null check (btrim(titre) <> ''),
  description text not null default '',
  assigne_a_id int null references users(id) on delete restrict,
  client_id int null references clients(id) on delete restrict,
  projet_id int null references projets(id) on delete restrict,
  priorite varchar(10) not null check (priorite in ('basse', 'moyenne', 'haute', 'urgente')),
  date_echeance date not null,
  statut varchar(20) not null default 'a_faire' check (statut in ('a_faire', 'en_cours', 'terminee')),
  position int not null default 0,
  date_terminee timestamptz null,
  date_creation timestamptz not null default now(),
  date_modification timestamptz not null default now(),
  constraint taches_position_uniq unique (statut, position) deferrable initially deferred
);`);
    this.addSql(`create index taches_assigne_idx on taches (assigne_a_id);`);
    this.addSql(`create index taches_client_idx on taches (client_id);`);
    this.addSql(`create index taches_projet_idx on taches (projet_id);`);
    this.addSql(`create index taches_echeance_idx on taches (date_echeance, id);`);

    this.addSql(`
create table audit_log (
  id bigserial primary key,
  user_id int null references users(id) on delete set null,
  action varchar(60) not null,
  entity varchar(40) not null default '',
  entity_id int null,
  details jsonb not null default '{}'::jsonb,
  ip varchar(64) not null default '',
  created_at timestamptz not null default now()
);`);
    this.addSql(`create index audit_log_created_idx on audit_log (created_at);`);

    // Trigram indexes make the accent-insensitive `?search=` fast at scale. pg_trgm ships with
    // PostgreSQL's contrib; where it is missing search still works, only with a sequential scan.
    this.addSql(`
do $$
begin
  create extension if not exists pg_trgm;
  execute 'create index clients_search_trgm on clients using gin (crm_fold(nom || '' '' || societe || '' '' || coalesce(email, '''')) gin_trgm_ops)';
  execute 'create index projets_search_trgm on projets using gin (crm_fold(titre || '' '' || description) gin_trgm_ops)';
  execute 'create index opportunites_search_trgm on opportunites using gin (crm_fold(nom || '' '' || notes) gin_trgm_ops)';
  execute 'create index taches_search_trgm on taches using gin (crm_fold(titre || '' '' || description) gin_trgm_ops)';
exception when others then
  raise notice 'pg_trgm unavailable, search runs without trigram indexes: %', sqlerrm;
end
$$;`);
  }

  override async down(): Promise<void> {
    for (const t of [
      'audit_log',
      'taches',
      'projets',
      'devis',
      'opportunites',
      'clients',
      'refresh_tokens',
      'sessions',
      'users',
    ]) {
      this.addSql(`drop table if exists ${t} cascade;`);
    }
    this.addSql('drop function if exists crm_fold(text);');
  }
}
