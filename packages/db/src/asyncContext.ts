import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Node 20's AsyncLocalStorage works through async hooks: once one instance has `run`, every promise
 * the process creates goes through a JavaScript init hook (an async id and the stores copied onto
 * it), for ever — `run` enables the instance and nothing disables it. MikroORM's transactions, flushes
 * and `find`s each `run` one of its storages, so the first login switched the hooks on and every later
 * request paid them: 10–15 % of a read's API CPU (bench/api-cpu.ts, the clients list and the global
 * search), though a read runs none of them.
 *
 * Installed once per process (`orm.ts` imports this module): an instance whose `run`s have all
 * returned (the callback's promise settled) is disabled, so the hooks are off while no context is
 * active, as in a process that never used one; its next `run` enables it again. Only what is read
 * *inside* a run is kept, which is what those storages are for (the transaction of the callback,
 * « inside a flush », the raw fragments of one query). A continuation left behind by a run that has
 * ended (fire-and-forget, not awaited) reads no store once the instance is idle. `enterWith`, which
 * has no end, keeps its instance enabled as before.
 */
const inFlight = new WeakMap<AsyncLocalStorage<unknown>, number>();
const INSTALLED = Symbol.for('crm.asyncContext.idleDisable');

export function installIdleDisable(): void {
  const proto = AsyncLocalStorage.prototype as AsyncLocalStorage<unknown> & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  const run = proto.run;
  const enterWith = proto.enterWith;
  proto.enterWith = function (this: AsyncLocalStorage<unknown>, store: unknown) {
    // A context with no end: this instance stays enabled (never disabled when idle).
    inFlight.set(this, Number.POSITIVE_INFINITY);
    return enterWith.call(this, store);
  };
  proto.run = function <R>(
    this: AsyncLocalStorage<unknown>,
    store: unknown,
    cb: (...args: any[]) => R,
    ...args: any[]
  ) {
    inFlight.set(this, (inFlight.get(this) ?? 0) + 1);
    const done = () => {
      const n = (inFlight.get(this) ?? 1) - 1;
      inFlight.set(this, n);
      if (n === 0) this.disable();
    };
    let out: R;
    try {
      out = run.call(this, store, cb, ...args) as R;
    } catch (err) {
      done();
      throw err;
    }
    if (out && typeof (out as { then?: unknown }).then === 'function')
      (out as unknown as PromiseLike<unknown>).then(done, done);
    else done();
    return out;
  } as typeof proto.run;
}
