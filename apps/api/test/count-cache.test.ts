import { describe, expect, it } from 'vitest';
import { CountCache } from '../src/lib/countCache.js';

const KEYS = {
  clients: 'select count(*)::int as n from clients c where c.categorie = $1|["VIP"]',
  opportunites: 'select count(*)::int as n from opportunites o where o.etape = $1|["prospect"]',
  devis: 'select count(*)::int as n from devis d where d.statut = $1|["envoye"]',
  taches: 'select count(*)::int as n from taches t where t.statut = $1|["a_faire"]',
  projets: 'select count(*)::int as n from projets p|[]',
  // A count whose subquery reads another table depends on it too.
  clientsWithDeals:
    'select count(*)::int as n from clients c where exists (select 1 from opportunites o where o.client_id = c.id)|[]',
  other: 'select count(*)::int as n from courriels m|[]',
};

async function filled(): Promise<CountCache> {
  const cache = new CountCache(60_000, 0);
  for (const key of Object.values(KEYS)) await cache.count(key, async () => 7);
  return cache;
}
const kept = (cache: CountCache) =>
  Object.entries(KEYS)
    .filter(([, key]) => cache.peek(key) !== undefined)
    .map(([name]) => name);

describe('CountCache: a write drops the counts it can change, and those only', () => {
  it('tâches: their counts only', async () => {
    const cache = await filled();
    cache.invalidateLocal(['taches']);
    expect(kept(cache)).toEqual(['clients', 'opportunites', 'devis', 'projets', 'clientsWithDeals']);
  });

  it('opportunités: theirs and the devis (owners follow the opportunité), and counts whose subquery reads them', async () => {
    const cache = await filled();
    cache.invalidateLocal(['opportunites']);
    expect(kept(cache)).toEqual(['clients', 'taches', 'projets']);
  });

  it('clients (owners copied to everything under them), an unknown table, or no table at all: every count', async () => {
    for (const tables of [['clients'], ['users'], undefined]) {
      const cache = await filled();
      cache.invalidateLocal(tables);
      expect(kept(cache)).toEqual([]);
    }
  });

  it('a count computed while one of its tables was written is not kept; one of another table is', async () => {
    const cache = new CountCache(60_000, 0);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowTaches = cache.count(KEYS.taches, async () => gate.then(() => 5));
    const slowClients = cache.count(KEYS.clients, async () => gate.then(() => 6));
    cache.invalidateLocal(['taches']);
    release();
    expect(await slowTaches).toBe(5);
    expect(await slowClients).toBe(6);
    expect(cache.peek(KEYS.taches)).toBeUndefined();
    expect(cache.peek(KEYS.clients)).toBe(6);
  });

  it('tells the other instances which tables were written', async () => {
    const cache = await filled();
    const told: string[][] = [];
    cache.onInvalidate = (tables) => told.push(tables);
    cache.invalidate(['devis']);
    expect(told).toEqual([['devis']]);
    expect(kept(cache)).toEqual(['clients', 'opportunites', 'taches', 'clientsWithDeals']);
  });
});
