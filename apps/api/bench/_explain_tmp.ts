import { initOrm } from '@crm/db';
import { recherche } from '../src/services/recherche.js';
const orm = await initOrm({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/crm_bench_search', poolMax: 2 });
const [role, q] = process.argv.slice(2);
const user = role === 'admin' ? { id: 1, role: 'admin' } : { id: 5, role: 'commercial' };
const captured: any[] = [];
orm.em.getConnection().getKnex().on('query', (e: any) => captured.push(e));
await recherche(orm.em.fork(), user as any, { q, limite: 5 });
for (const c of captured.splice(0)) {
  const res = await orm.em.getConnection().execute(`explain (analyze, costs off) ${c.sql}`, c.bindings);
  console.log(res.map((r: any) => r['QUERY PLAN']).filter((l: string) => !/Recheck|Index Cond|Filter|Sort Key|Heap Blocks|Rows Removed/.test(l)).join('\n').replace(/replace\(replace\(translate.*?'ae'::text\)/g, 'FOLD'));
}
await orm.close(true);
