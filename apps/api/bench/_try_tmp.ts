import { initOrm } from '@crm/db';
import { recherche } from '../src/services/recherche.js';
const orm = await initOrm({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/crm_bench_search', poolMax: 2 });
const admin = { id: 1, role: 'admin' } as any;
const com = { id: 5, role: 'commercial' } as any;
for (const [u, q] of [[admin, 'lef'], [admin, 'lef'], [admin, 'lefbervalmor'], [com, 'lef'], [com, 'lefberval'], [admin, 'tâche 12'], [admin, 'tac'], [com, 'tac'], [admin, '123'], [admin, 'proj'], [admin, 'opportunite 5'], [admin, 'zzzz'], [com, 'zzzzqq']] as const) {
  const t = performance.now();
  const r = await recherche(orm.em.fork(), u, { q, limite: 5 });
  console.log(u.role, q, (performance.now() - t).toFixed(1), 'ms', r.groupes.map((g) => `${g.type}:${g.resultats.length}`).join(' '), r.groupes[0]?.resultats[0]?.titre);
}
await orm.close(true);
