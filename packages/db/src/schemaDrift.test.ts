import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineEntity, p } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { allEntities, Setting } from './entities/index.js';
import { initOrm, migrate, ormConfig } from './orm.js';
import { schemaDrift } from './schemaDrift.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

/**
 * Entities and migrations must not drift apart: on a database built by running every migration
 * (from empty, not the run's template), MikroORM's schema comparator finds nothing to change for
 * what the entities describe. What entities cannot express is ignored by rule (see schemaDrift.ts).
 */
let db: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  db = await createTestDatabase('crm_dbdrift');
  orm = await initOrm({ databaseUrl: db.url, poolMax: 2 });
  await migrate(orm);
});
afterAll(async () => {
  await orm?.close(true);
  await db?.release();
});

describe('entities and migrations', () => {
  it('the migrated schema is what the entities describe (tables, columns, types, nullability, defaults, foreign keys, indexes)', async () => {
    expect(await schemaDrift(orm)).toEqual([]);
  });

  it('every GIN index (search words and trigrams) keeps a short pending list, so searches never read thousands of pending entries', async () => {
    // A new search index must say so too (see Migration20261207010000_gin_pending_limit).
    const rows = await orm.em.getConnection().execute<{ index: string; options: string[] | null }[]>(
      `select c.relname as index, c.reloptions as options from pg_index i join pg_class c on c.oid = i.indexrelid
         join pg_am a on a.oid = c.relam where a.amname = 'gin' order by 1`,
    );
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.filter((r) => !(r.options ?? []).includes('gin_pending_list_limit=64')).map((r) => r.index)).toEqual(
      [],
    );
  });

  it('the check sees drift: a property, an entity or a nullability change without its migration', async () => {
    // Setting as it would be after someone edited the entity and forgot the migration.
    const EditedSetting = defineEntity({
      name: 'Setting',
      tableName: 'parametres',
      properties: {
        cle: p.string().length(60).primary(),
        valeur: p.json<unknown>().nullable(),
        ajouteSansMigration: p.string().length(20),
      },
    });
    const Forgotten = defineEntity({
      name: 'Forgotten',
      tableName: 'sans_migration',
      properties: { id: p.integer().primary() },
    });
    const edited = await MikroORM.init({
      ...(await ormConfig({ databaseUrl: db.url, poolMax: 1 })),
      entities: [...allEntities.filter((e) => e !== Setting), EditedSetting, Forgotten],
    });
    try {
      expect((await schemaDrift(edited)).sort()).toEqual([
        'column parametres.ajoute_sans_migration (varchar(20) not null): described by an entity, missing from the migrated database',
        'column parametres.valeur: nullable is not null in the database, nullable in the entity',
        'table sans_migration: described by an entity, missing from the migrated database',
      ]);
    } finally {
      await edited.close(true);
    }
  });
});
