import { Migration } from '@mikro-orm/migrations';

/** Orderings of each list (apps/api/src/services/<domain>), each served for one owner by (owner, key, id). */
const ORDERED: Record<string, { owner: string; keys: Record<string, string> }> = {
  clients: {
    owner: 'responsable_id',
    keys: { nom: 'nom', societe: 'societe', date_creation: 'date_creation', date_modification: 'date_modification' },
  },
  opportunites: {
    owner: 'proprietaire_id',
    keys: {
      nom: 'crm_fold(nom::text)',
      montant: 'montant',
      probabilite: 'probabilite',
      date_conclusion_estimee: 'date_conclusion_estimee',
      date_creation: 'date_creation',
      position: 'position',
    },
  },
  projets: {
    owner: 'proprietaire_id',
    keys: {
      titre: 'crm_fold(titre::text)',
      date_debut: 'date_debut',
      date_fin: 'date_fin',
      budget: 'budget',
      date_creation: 'date_creation',
    },
  },
  devis: {
    owner: 'proprietaire_id',
    keys: { date_creation: 'date_creation', montant: 'montant', version: 'version' },
  },
  taches: {
    owner: 'proprietaire_id',
    keys: {
      date_echeance: 'date_echeance',
      priorite: `(case priorite when 'basse' then 1 when 'moyenne' then 2 when 'haute' then 3 when 'urgente' then 4 end)`,
      date_creation: 'date_creation',
      position: 'position',
    },
  },
};

/** (owner, ordering key, id) indexes; tâches also by assignee (a commercial sees those assigned to them). */
export function ownerIndexes(): Array<{ name: string; sql: string }> {
  const out: Array<{ name: string; sql: string }> = [];
  for (const [table, { owner, keys }] of Object.entries(ORDERED)) {
    const owners = table === 'taches' ? [owner, 'assigne_a_id'] : [owner];
    for (const o of owners)
      for (const [name, expr] of Object.entries(keys)) {
        const idx = `${table}_${o === 'assigne_a_id' ? 'assigne' : 'proprio'}_${name}_idx`;
        out.push({ name: idx, sql: `create index ${idx} on ${table} (${o}, ${expr}, id)` });
      }
  }
  return out;
}

/**
 * A commercial's lists, index-backed whatever the ordering. A commercial sees the rows hanging off
 * the clients they are `responsable` of; that owner was reachable only through a join or an
 * `in (select id from clients …)`, so their page walked an ordering index over everyone's rows and
 * filtered (their rows could all sit at the far end: 200 000 rows read for 25). Each table under a
 * client now carries its client's responsable as `proprietaire_id`, kept by triggers (on insert
 * and on a change of client / opportunité, and on a client's change of responsable), and an
 * (owner, ordering key, id) index per ordering serves the commercial's page as one index range.
 */
export class Migration20261206190000_proprietaire extends Migration {
  override async up(): Promise<void> {
    for (const t of ['opportunites', 'projets', 'taches', 'devis'])
      this.addSql(`alter table ${t} add column proprietaire_id int;`);
    this.addSql(
      `comment on column opportunites.proprietaire_id is 'responsable of the client (trigger-maintained), for visibility';`,
    );
    this.addSql(
      'update opportunites o set proprietaire_id = c.responsable_id from clients c where c.id = o.client_id;',
    );
    this.addSql('update projets p set proprietaire_id = c.responsable_id from clients c where c.id = p.client_id;');
    this.addSql('update taches t set proprietaire_id = c.responsable_id from clients c where c.id = t.client_id;');
    this.addSql(
      'update devis d set proprietaire_id = o.proprietaire_id from opportunites o where o.id = d.opportunite_id;',
    );
    this.addSql(`
create function crm_proprietaire_par_client() returns trigger language plpgsql as $$
begin
  new.proprietaire_id := (select responsable_id from clients where id = new.client_id);
  return new;
end $$;`);
    this.addSql(`
create function crm_proprietaire_par_opportunite() returns trigger language plpgsql as $$
begin
  new.proprietaire_id := (select proprietaire_id from opportunites where id = new.opportunite_id);
  return new;
end $$;`);
    for (const t of ['opportunites', 'projets', 'taches'])
      this.addSql(
        `create trigger ${t}_proprietaire before insert or update of client_id on ${t} for each row execute function crm_proprietaire_par_client();`,
      );
    this.addSql(
      'create trigger devis_proprietaire before insert or update of opportunite_id on devis for each row execute function crm_proprietaire_par_opportunite();',
    );
    // A client's new responsable, or an opportunité's new owner, follows to what hangs off them.
    this.addSql(`
create function crm_proprietaire_client_change() returns trigger language plpgsql as $$
begin
  update opportunites set proprietaire_id = new.responsable_id where client_id = new.id and proprietaire_id is distinct from new.responsable_id;
  update projets set proprietaire_id = new.responsable_id where client_id = new.id and proprietaire_id is distinct from new.responsable_id;
  update taches set proprietaire_id = new.responsable_id where client_id = new.id and proprietaire_id is distinct from new.responsable_id;
  return null;
end $$;`);
    this.addSql(`
create function crm_proprietaire_opportunite_change() returns trigger language plpgsql as $$
begin
  update devis set proprietaire_id = new.proprietaire_id where opportunite_id = new.id and proprietaire_id is distinct from new.proprietaire_id;
  return null;
end $$;`);
    this.addSql(
      'create trigger clients_proprietaire after update of responsable_id on clients for each row when (old.responsable_id is distinct from new.responsable_id) execute function crm_proprietaire_client_change();',
    );
    this.addSql(
      'create trigger opportunites_proprietaire_suite after update of proprietaire_id on opportunites for each row when (old.proprietaire_id is distinct from new.proprietaire_id) execute function crm_proprietaire_opportunite_change();',
    );
    for (const i of ownerIndexes()) this.addSql(`${i.sql};`);
  }

  override async down(): Promise<void> {
    for (const i of ownerIndexes()) this.addSql(`drop index if exists ${i.name};`);
    this.addSql('drop trigger if exists opportunites_proprietaire_suite on opportunites;');
    this.addSql('drop trigger if exists clients_proprietaire on clients;');
    this.addSql('drop trigger if exists devis_proprietaire on devis;');
    for (const t of ['opportunites', 'projets', 'taches'])
      this.addSql(`drop trigger if exists ${t}_proprietaire on ${t};`);
    this.addSql('drop function if exists crm_proprietaire_opportunite_change();');
    this.addSql('drop function if exists crm_proprietaire_client_change();');
    this.addSql('drop function if exists crm_proprietaire_par_opportunite();');
    this.addSql('drop function if exists crm_proprietaire_par_client();');
    for (const t of ['opportunites', 'projets', 'taches', 'devis'])
      this.addSql(`alter table ${t} drop column if exists proprietaire_id;`);
  }
}
