import { Migration } from '@mikro-orm/migrations';

/**
 * Imports of clients (with contacts), opportunités and tâches from CSV / XLSX files
 * (`POST /api/imports/`, apps/api/src/services/imports/).
 *
 * - `imports`: one row per uploaded file. The file is decoded once at upload: its header row
 *   (`entetes`) and its data rows (`cellules`: a JSON array of text cells, stored as text without
 *   compression — written once, read whole by the job, never queried) are kept, not the bytes, so the
 *   background job never parses the file again. `bilan` (the analysis: ANALYSE is a reserved word) holds the preview (first rows with
 *   their errors as message keys, translated when read) and the counts of the last analysis;
 *   `rejets` the rejected rows (line number + error keys) for the downloadable report. The job
 *   writes its progress (`traites`) from another connection than its transaction, so it is
 *   visible while the import runs; the counts and `statut = termine` commit with the data.
 * - `clients.nom_plie`, `clients.societe_plie`: the duplicate key « folded name + société »,
 *   computed once at write time (crm_fold costs tens of microseconds a row) and indexed together,
 *   so that duplicates of 50 000 imported rows are found by one indexed join; the same index finds
 *   a client by its folded name alone (opportunités and tâches name their client so), and the
 *   phone gets its own.
 * - Global search finds contacts: `contacts.recherche` (folded « prénom nom e-mail ») with the
 *   same two indexes as the other searched tables (word prefixes, substrings); the contacts list's
 *   search uses it too, so the expression index it had (the same text folded at every insert) goes.
 */
export class Migration20261206100000_imports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table imports (
  id serial primary key,
  ressource varchar(20) not null check (ressource in ('clients', 'opportunites', 'taches')),
  statut varchar(12) not null default 'pret' check (statut in ('pret', 'en_file', 'en_cours', 'termine', 'echoue')),
  nom_fichier varchar(255) not null default '',
  format varchar(4) not null check (format in ('csv', 'xlsx')),
  encodage varchar(20) null,
  separateur varchar(2) null,
  cree_par_id int not null references users(id) on delete restrict,
  entetes jsonb not null,
  cellules text not null,
  mapping jsonb not null,
  mapping_propose jsonb not null,
  politique_doublons varchar(15) not null default 'ignorer' check (politique_doublons in ('ignorer', 'mettre_a_jour', 'creer')),
  mode varchar(15) not null default 'tout_ou_rien' check (mode in ('tout_ou_rien', 'valides')),
  bilan jsonb not null default '{}'::jsonb,
  total int not null default 0,
  traites int not null default 0,
  crees int not null default 0,
  mis_a_jour int not null default 0,
  ignores int not null default 0,
  rejetes int not null default 0,
  rejets jsonb null,
  erreur varchar(200) null,
  date_creation timestamptz not null default now(),
  date_debut timestamptz null,
  date_fin timestamptz null
);`);
    this.addSql(`alter table imports alter column cellules set storage external;`);
    this.addSql(`create index imports_cree_par_idx on imports (cree_par_id, id desc);`);

    this.addSql(`alter table clients add column nom_plie text generated always as (crm_fold(nom)) stored;`);
    this.addSql(`alter table clients add column societe_plie text generated always as (crm_fold(societe)) stored;`);
    this.addSql(`create index clients_nom_societe_plies_idx on clients (nom_plie, societe_plie);`);
    this.addSql(`create index clients_telephone_idx on clients (telephone) where telephone <> '';`);

    this.addSql(
      `alter table contacts add column recherche text generated always as (crm_fold(prenom || ' ' || nom || ' ' || coalesce(email, ''))) stored;`,
    );
    this.addSql(`create index contacts_recherche_mots on contacts using gin (to_tsvector('simple', recherche));`);
    this.addSql('drop index if exists contacts_search_trgm;');
    this.addSql(`
do $$
begin
  execute 'create index contacts_recherche_trgm on contacts using gin (recherche gin_trgm_ops)';
exception when others then
  raise notice 'pg_trgm unavailable, global search runs without trigram indexes: %', sqlerrm;
end
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists contacts_recherche_trgm;');
    this.addSql('drop index if exists contacts_recherche_mots;');
    this.addSql('alter table contacts drop column if exists recherche;');
    this.addSql(`
do $$
begin
  execute 'create index contacts_search_trgm on contacts using gin (crm_fold(prenom || '' '' || nom || '' '' || coalesce(email, '''')) gin_trgm_ops)';
exception when others then
  raise notice 'pg_trgm unavailable: %', sqlerrm;
end
$$;`);
    this.addSql('drop index if exists clients_telephone_idx;');
    this.addSql('drop index if exists clients_nom_societe_plies_idx;');
    this.addSql('alter table clients drop column if exists societe_plie;');
    this.addSql('alter table clients drop column if exists nom_plie;');
    this.addSql('drop table if exists imports;');
  }
}
