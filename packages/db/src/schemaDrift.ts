import {
  DatabaseSchema,
  SchemaComparator,
  type Column,
  type ForeignKey,
  type IndexDef,
  type MikroORM,
} from '@mikro-orm/postgresql';

/**
 * Differences between what the entities describe and the schema the migrations built, as
 * sentences (empty: no drift). MikroORM's schema comparator (the one behind `schema:update`) does
 * the column work; around it, one rule for each thing entities cannot say, so that only what they
 * do say is held against the database:
 *
 * - tables without an entity (the job queue's, counters, tables only raw SQL touches) are not
 *   compared; an entity whose table is missing is drift;
 * - a column an entity declares must exist with the same type, nullability, generated expression
 *   and identity; its default must be the same value when the entity declares one (database
 *   defaults the entity leaves out are fine: raw SQL inserts rely on them);
 * - a database column no entity property maps is fine if the database fills it by itself
 *   (nullable, a default, generated — the `recherche` search columns —, or a BEFORE INSERT trigger
 *   on its table — `devis.numero`); a NOT NULL column nothing fills is drift (the ORM could not
 *   insert a row);
 * - foreign keys and indexes are compared by what they are, not by name (migrations let
 *   PostgreSQL name them `…_fkey`, `…_key`; MikroORM's naming strategy names them otherwise):
 *   every foreign key an entity declares must exist with its on-delete rule, every index or unique
 *   an entity declares must exist on the same columns (whole table, unique when asked). The
 *   on-update rule is not compared: ids are never updated, and MikroORM's default (`cascade`) is
 *   nothing the entities chose;
 * - what only migrations can express is ignored: check constraints (including the allowed values
 *   of a column, which MikroORM reads back as enum items, when the entity declares a plain string),
 *   trigram, expression and partial indexes, functions, triggers, foreign keys on columns an
 *   entity maps as plain ids; comments are documentation, not structure.
 */
export async function schemaDrift(orm: MikroORM): Promise<string[]> {
  const platform = orm.em.getPlatform();
  const target = orm.getSchemaGenerator().getTargetSchema();
  const actual = await DatabaseSchema.create(
    orm.em.getConnection(),
    platform,
    orm.config,
    undefined,
    target.getNamespaces(),
  );
  const diff = new SchemaComparator(platform).compare(actual, target);
  const filledByTrigger = await tablesWithBeforeInsertTrigger(orm);
  const drift: string[] = [];

  for (const name of Object.keys(diff.newTables))
    drift.push(`table ${short(name)}: described by an entity, missing from the migrated database`);

  for (const [qualified, d] of Object.entries(diff.changedTables)) {
    const table = short(qualified);
    for (const c of Object.values(d.addedColumns)) {
      // The comparator shows a changed generated expression as drop + add.
      if (d.removedColumns[c.name]) drift.push(`column ${table}.${c.name}: generated expression differs`);
      else
        drift.push(
          `column ${table}.${c.name} (${c.type}${c.nullable ? ' null' : ' not null'}): described by an entity, missing from the migrated database`,
        );
    }
    for (const { column, fromColumn, changedProperties } of Object.values(d.changedColumns)) {
      for (const what of changedProperties) {
        if (what === 'comment') continue;
        if (what === 'default' && (!hasDefault(column) || sameValue(fromColumn.default, column.default))) continue;
        if (what === 'enumItems' && !column.enumItems?.length) continue;
        drift.push(
          `column ${table}.${column.name}: ${what} is ${describe(fromColumn, what)} in the database, ${describe(column, what)} in the entity`,
        );
      }
    }
    for (const c of Object.values(d.removedColumns)) {
      if (d.addedColumns[c.name]) continue;
      const fillsItself = c.nullable || hasDefault(c) || !!c.generated || filledByTrigger.has(table);
      if (!fillsItself)
        drift.push(
          `column ${table}.${c.name}: NOT NULL without default in the database, and no entity property writes it`,
        );
    }
    for (const c of Object.values(d.renamedColumns)) drift.push(`column ${table}.${c.name}: renamed`);
    for (const c of Object.values(d.addedChecks))
      drift.push(`check ${table}.${c.name}: described by an entity, missing from the migrated database`);
  }

  // Foreign keys and indexes by what they are, over every table both sides have.
  for (const entityTable of target.getTables()) {
    const name = short(entityTable.getShortestName());
    const dbTable = actual.getTable(entityTable.getShortestName());
    if (!dbTable) continue;
    const dbFks = Object.values(dbTable.getForeignKeys());
    for (const fk of Object.values(entityTable.getForeignKeys())) {
      const same = dbFks.find((k) => fkTarget(k) === fkTarget(fk));
      const label = `foreign key ${name}(${fk.columnNames.join(', ')}) → ${short(fk.referencedTableName)}`;
      if (!same) drift.push(`${label}: described by an entity, missing from the migrated database`);
      else if (rule(same.deleteRule) !== rule(fk.deleteRule))
        drift.push(
          `${label}: on delete ${rule(same.deleteRule)} in the database, ${rule(fk.deleteRule)} in the entity`,
        );
    }
    const dbIndexes = dbTable.getIndexes().filter((i) => !i.expression);
    for (const index of entityTable.getIndexes()) {
      if (index.primary) {
        const pk = dbTable.getPrimaryKey();
        if (!pk || pk.columnNames.join(',') !== index.columnNames.join(',')) {
          drift.push(
            `primary key ${name}(${index.columnNames.join(', ')}): the database's is (${pk?.columnNames.join(', ') ?? 'none'})`,
          );
        }
        continue;
      }
      if (!dbIndexes.some((i) => sameIndex(i, index))) {
        drift.push(
          `${index.unique ? 'unique ' : ''}index ${name}(${index.columnNames.join(', ')}): described by an entity, missing from the migrated database`,
        );
      }
    }
  }
  return drift;
}

const short = (name: string) => name.replace(/^public\./, '');
const fkTarget = (k: ForeignKey) =>
  `${k.columnNames.join(',')}→${short(k.referencedTableName)}(${k.referencedColumnNames.join(',')})`;
const hasDefault = (c: Column) => c.default !== undefined && c.default !== null;
/** `0`, `'0'` and `'0'::numeric` are one value: the comparator compares the texts. */
const sameValue = (a?: string | null, b?: string | null) => unquote(a) === unquote(b);
const unquote = (v?: string | null) => (v ?? '').replace(/::[\w ]+(\[\])?$/, '').replace(/^'(.*)'$/s, '$1');

/** Tables with a BEFORE INSERT row trigger: it may fill a NOT NULL column (e.g. `devis.numero`). */
async function tablesWithBeforeInsertTrigger(orm: MikroORM): Promise<Set<string>> {
  const rows = await orm.em.getConnection().execute<{ name: string }[]>(
    // tgtype bits: 1 row, 2 before, 4 insert.
    `select distinct c.relname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where not t.tgisinternal and n.nspname = 'public' and t.tgtype & 7 = 7`,
  );
  return new Set(rows.map((r) => r.name));
}
const rule = (r?: string) => (r ?? 'no action').toLowerCase().replace('restrict', 'no action');

/** A database index fulfils an entity's if it covers the same columns, unique when asked, whole-table (no predicate). */
function sameIndex(db: IndexDef, entity: IndexDef): boolean {
  const partial = typeof db.type === 'object' && !!db.type?.predicate;
  return !partial && db.columnNames.join(',') === entity.columnNames.join(',') && (!entity.unique || db.unique);
}

function describe(c: Column, what: string): string {
  switch (what) {
    case 'type':
      return c.type;
    case 'nullable':
      return c.nullable ? 'nullable' : 'not null';
    case 'default':
      return c.default === undefined || c.default === null ? 'none' : String(c.default);
    case 'generated':
      return c.generated ?? 'not generated';
    case 'autoincrement':
      return c.autoincrement ? 'identity/serial' : 'not identity';
    default:
      return JSON.stringify((c as unknown as Record<string, unknown>)[what] ?? null);
  }
}
