import type { EntityManager } from '@crm/db';

type HasConfig = { config: EntityManager['config'] };

/**
 * A member of the app's dependencies (AppDeps) that code holding only an EntityManager must reach:
 * the SQL runner reports writes to the app's DataChanges, lists count through its CountCache,
 * services enqueue on its JobQueue and signal its UserEventHub. The object lives in the ORM
 * configuration's extension registry — each app has its own ORM — never in module scope, so two
 * apps in one process (tests start several) never share one; `attach` replaces the previous one.
 */
export class OrmSlot<T> {
  constructor(private readonly name: string) {}

  attach(orm: HasConfig, value: T): void {
    // MikroORM keeps the first value an extension returned: a holder lets a later attach replace it.
    let holder = orm.config.getExtension<{ current?: T }>(this.name);
    if (!holder) {
      const created: { current?: T } = {};
      orm.config.registerExtension(this.name, () => created);
      holder = created;
    }
    holder.current = value;
  }

  /** The attached object of `em`'s ORM (forks share their ORM's configuration), if any. */
  of(em: HasConfig): T | undefined {
    return em.config.getExtension<{ current?: T }>(this.name)?.current;
  }

  /** The attached object of `em`'s ORM, attached from `create()` on first use when there is none (per-app state of a service). */
  ensure(em: HasConfig, create: () => T): T {
    const current = this.of(em);
    if (current !== undefined) return current;
    const value = create();
    this.attach(em, value);
    return value;
  }
}
