/**
 * `npx tsx bench/forms.ts [user id, default 3 = commercial1]`: the global search's time per query
 * on the seeded bench database, in process (no HTTP), with each tier read as the estimates choose
 * (`auto`) and with every tier forced to one form (see Form in src/services/recherche.ts), over the
 * same N (default 300) bench queries, 4 rounds after a warm-up, the forms taking turns to go first. Prints the mean and p90 per form and per
 * kind of query. BENCH_DATABASE_URL (default crm_bench).
 */
import { initOrm, type EntityManager } from '@crm/db';
import type { AuthUser } from '../src/auth/sessions.js';
import { type Form, loadSearchSamples, recherche } from '../src/services/recherche.js';
import { benchDatabaseUrl } from './seed.js';
import { rechercheQuery } from './terms.js';

const userId = Number(process.argv[2] ?? 3);
const n = Number(process.env.N ?? 300);
const kind = (term: string) => (/^\d+$/.test(term) ? 'number' : `${Math.min([...term].length, 9)} letters`);

async function main() {
  const orm = await initOrm({ databaseUrl: benchDatabaseUrl(), poolMax: 2 });
  const em = () => orm.em.fork() as EntityManager;
  const [r] = await em()
    .getConnection()
    .execute('select id, username, role, is_active from users where id = ?', [userId]);
  const user: AuthUser = { id: r.id, username: r.username, role: r.role, isActive: r.is_active };
  await loadSearchSamples(em());
  const terms = Array.from({ length: n }, () => rechercheQuery());
  const forms: Array<Form | 'auto'> = ['auto', 'anded', 'fenced', 'walk'];
  const times = new Map(forms.map((f) => [f, new Map<string, number[]>()]));
  const perTerm = new Map<string, Map<string, number>>();
  for (let round = 0; round < 5; round++) {
    for (const term of terms) {
      // In turn first (the first to run a term reads its pages into the cache for the others).
      const shift = (round + terms.indexOf(term)) % forms.length;
      for (const f of [...forms.slice(shift), ...forms.slice(0, shift)]) {
        const t0 = performance.now();
        await recherche(em(), user, { q: term, limite: 5 }, f === 'auto' ? {} : { form: f });
        const ms = performance.now() - t0;
        // The first round warms the connections' prepared statements.
        if (round === 0) continue;
        const pt = perTerm.get(term) ?? new Map<string, number>();
        pt.set(f, (pt.get(f) ?? 0) + ms / 4);
        perTerm.set(term, pt);
        const by = times.get(f)!;
        by.set(kind(term), [...(by.get(kind(term)) ?? []), ms]);
        by.set('all', [...(by.get('all') ?? []), ms]);
      }
    }
  }
  const kinds = [...times.get('auto')!.keys()].sort();
  console.log(`${user.username}: mean / p90 ms per query, ${n} queries x 4 rounds`);
  console.log(`${'kind'.padEnd(10)} ${forms.map((f) => f.padStart(14)).join('')}`);
  for (const k of kinds) {
    const cells = forms.map((f) => {
      const ts = [...(times.get(f)!.get(k) ?? [])].sort((a, b) => a - b);
      const mean = ts.reduce((s, t) => s + t, 0) / ts.length;
      return `${mean.toFixed(2)} / ${ts[Math.floor(ts.length * 0.9)]!.toFixed(1)}`.padStart(14);
    });
    console.log(`${k.padEnd(10)} ${cells.join('')}`);
  }
  // PER_TERM=1: the queries where the chosen forms cost most over the best forced one.
  if (process.env.PER_TERM === '1') {
    const worst = [...perTerm]
      .map(
        ([term, m]) => [term, m.get('auto')! - Math.min(m.get('anded')!, m.get('fenced')!, m.get('walk')!), m] as const,
      )
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15);
    for (const [term, extra, m] of worst)
      console.log(
        term.padEnd(14),
        `+${extra.toFixed(2)} ms`,
        [...m].map(([f, t]) => `${f} ${t.toFixed(2)}`).join('  '),
      );
  }
  await orm.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
