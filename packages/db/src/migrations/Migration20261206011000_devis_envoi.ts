import { Migration } from '@mikro-orm/migrations';

/**
 * Devis from sending to signature:
 * - `numero` D<year>-<5 digits>: one per opportunity's devis lineage (kept by versions), from a
 *   per-year counter row locked by the creating transaction (no gaps, no duplicates);
 * - the client's answer on the public page (consultation, acceptance/refusal, signer, IP);
 * - public links (token stored as its SHA-256 only);
 * - the mail outbox `courriels` (+ attachments), delivered by a background job.
 */
export class Migration20261206011000_devis_envoi extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table devis_compteurs (
  annee int primary key,
  dernier int not null check (dernier >= 1)
);`);
    this.addSql(`
alter table devis
  add column numero varchar(20) null check (numero ~ '^D[0-9]{4}-[0-9]{5,}$'),
  add column date_consultation timestamptz null,
  add column date_reponse timestamptz null,
  add column signataire varchar(200) null,
  add column ip_reponse varchar(64) null,
  add column motif_refus text null;`);
    // Existing devis: one number per opportunity (its first devis' year and creation order); every version keeps it.
    this.addSql(`
with premiers as (
  select opportunite_id, min(date_creation) as premier, extract(year from min(date_creation) at time zone 'Europe/Paris')::int as annee
    from devis group by opportunite_id
), numerotes as (
  select opportunite_id, annee, row_number() over (partition by annee order by premier, opportunite_id) as n from premiers
)
update devis d set numero = 'D' || n.annee || '-' || lpad(n.n::text, 5, '0')
  from numerotes n where n.opportunite_id = d.opportunite_id;`);
    this.addSql(`
insert into devis_compteurs (annee, dernier)
select substr(numero, 2, 4)::int, max(substr(numero, 7)::int) from devis group by 1;`);
    this.addSql(`alter table devis alter column numero set not null;`);
    // Every insert path (API, seeds, bench, raw SQL) gets its number here: the lineage's number when
    // the opportunity already has a devis, else the next one of the year. Callers that may race on
    // one opportunity lock it first (the API does, for its version number).
    this.addSql(`
create function devis_numero_pour(p_opportunite int, p_date timestamptz) returns varchar language plpgsql as $$
declare
  v_numero varchar;
  v_annee int;
  v_n int;
begin
  select d.numero into v_numero from devis d where d.opportunite_id = p_opportunite order by d.version limit 1;
  if v_numero is not null then
    return v_numero;
  end if;
  v_annee := extract(year from p_date at time zone 'Europe/Paris')::int;
  insert into devis_compteurs as c (annee, dernier) values (v_annee, 1)
    on conflict (annee) do update set dernier = c.dernier + 1
    returning c.dernier into v_n;
  return 'D' || v_annee || '-' || lpad(v_n::text, 5, '0');
end
$$;`);
    this.addSql(`
create function devis_numeroter() returns trigger language plpgsql as $$
begin
  if new.numero is null then
    new.numero := devis_numero_pour(new.opportunite_id, coalesce(new.date_creation, now()));
  end if;
  return new;
end
$$;`);
    this.addSql(`create trigger devis_numero before insert on devis for each row execute function devis_numeroter();`);
    this.addSql(`alter table devis add constraint devis_numero_version_uniq unique (numero, version);`);

    this.addSql(`
create table devis_liens (
  token_hash bytea primary key,
  devis_id int not null references devis(id) on delete cascade,
  date_creation timestamptz not null default now()
);`);
    this.addSql(`create index devis_liens_devis_idx on devis_liens (devis_id);`);

    this.addSql(`
create table courriels (
  id serial primary key,
  destinataire varchar(254) not null,
  repondre_a varchar(254) null,
  sujet varchar(300) not null,
  corps_texte text not null,
  corps_html text null,
  message_id varchar(200) not null unique,
  statut varchar(20) not null default 'en_attente' check (statut in ('en_attente', 'envoye', 'echec')),
  tentatives int not null default 0 check (tentatives >= 0),
  prochaine_tentative timestamptz null,
  derniere_erreur text null,
  -- Attempt in progress: who holds it (job's claim), since when, and whether the message itself
  -- was being transmitted (then a crash leaves its delivery unknown: never sent again).
  envoi_jeton uuid null,
  envoi_debut timestamptz null,
  envoi_phase varchar(20) null check (envoi_phase in ('connexion', 'transmission')),
  devis_id int null references devis(id) on delete set null,
  expediteur_id int null references users(id) on delete set null,
  date_creation timestamptz not null default now(),
  date_envoi timestamptz null,
  check ((statut = 'envoye') = (date_envoi is not null))
);`);
    this.addSql(`create index courriels_devis_idx on courriels (devis_id, id desc) where devis_id is not null;`);
    this.addSql(`create index courriels_date_idx on courriels (date_creation desc, id desc);`);
    this.addSql(`
create table courriel_pieces_jointes (
  id serial primary key,
  courriel_id int not null references courriels(id) on delete cascade,
  nom varchar(200) not null,
  type varchar(100) not null,
  contenu bytea not null
);`);
    this.addSql(`create index courriel_pieces_jointes_courriel_idx on courriel_pieces_jointes (courriel_id);`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger if exists devis_numero on devis;');
    this.addSql('drop function if exists devis_numeroter();');
    this.addSql('drop function if exists devis_numero_pour(int, timestamptz);');
    this.addSql('drop table if exists courriel_pieces_jointes, courriels, devis_liens, devis_compteurs;');
    this.addSql(`alter table devis drop constraint if exists devis_numero_version_uniq,
      drop column if exists numero, drop column if exists date_consultation, drop column if exists date_reponse,
      drop column if exists signataire, drop column if exists ip_reponse, drop column if exists motif_refus;`);
  }
}
