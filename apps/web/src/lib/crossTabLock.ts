/**
 * Runs `fn` while no other tab of this origin runs a function under the same name: Web Locks when
 * the browser has them (secure contexts), else a lease in localStorage whose release is announced
 * on a BroadcastChannel (waiters also poll, in case a tab died holding the lease).
 */
export function withCrossTabLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks?.request) return locks.request(name, fn) as Promise<T>;
  return withStorageLease(name, fn);
}

/**
 * A lease lasts 3 s and its holder renews it every second while its function runs: a holder that
 * takes long (a slow network, a loaded machine) keeps it, and a lease that nobody renews (its tab
 * died, or two tabs each saw the other win a write race) frees itself within 3 s instead of
 * blocking every tab for the old fixed 10 s.
 */
const LEASE_MS = 3_000;
const RENEW_MS = 1_000;
/** How long a written lease must stay ours, checked twice, before we take it (writes reach other tabs late under load). */
const SETTLE_MS = 50;
/** Last resort (storage that never lets a lease through): run without it. */
const GIVE_UP_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled: each tab on its own
  }
}

function readLease(store: Storage, key: string): { id: string; until: number } | null {
  try {
    const lease = JSON.parse(store.getItem(key) ?? 'null') as { id: string; until: number } | null;
    return lease && lease.until > Date.now() ? lease : null;
  } catch {
    return null;
  }
}

async function withStorageLease<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const store = storage();
  if (!store) return fn();
  const key = `crm:lock:${name}`;
  const me = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(`crm:lock:${name}`) : null;
  const released = () =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, 100);
      function done() {
        clearTimeout(t);
        channel?.removeEventListener('message', done);
        resolve();
      }
      channel?.addEventListener('message', done);
    });
  const giveUpAt = Date.now() + GIVE_UP_MS;
  const take = () => store.setItem(key, JSON.stringify({ id: me, until: Date.now() + LEASE_MS }));
  let renew: ReturnType<typeof setInterval> | undefined;
  try {
    while (Date.now() < giveUpAt) {
      if (!readLease(store, key)) {
        take();
        // Two tabs may write at once: the last write wins once it has reached every tab.
        await sleep(SETTLE_MS);
        if (readLease(store, key)?.id === me) {
          await sleep(SETTLE_MS);
          if (readLease(store, key)?.id === me) break;
        }
      }
      await released();
    }
    renew = setInterval(() => {
      if (readLease(store, key)?.id === me) take();
    }, RENEW_MS);
    return await fn();
  } finally {
    clearInterval(renew);
    if (readLease(store, key)?.id === me) store.removeItem(key);
    channel?.postMessage('released');
    channel?.close();
  }
}
