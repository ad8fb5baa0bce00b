/**
 * Kanban moves in `pnpm bench`: the same move (a card to the top of a column, `position: 0`, then to
 * a key deep in it) in a 40 000-card column and in a 100-card column (a second API on a small database), in alternating
 * batches so both see the same machine load; then rows written per move over many random moves,
 * counted by PostgreSQL (pg_stat_user_tables).
 */
import { MikroORM, ormConfig } from '@crm/db';
import { ETAPES } from './seed.js';

export interface Target {
  label: string;
  baseUrl: string;
  token: string;
  /** Opportunités per table (ids 1..n; those with id % 5 === 4 start at conclusion and are not moved). */
  opportunites: number;
}

const rand = (n: number) => 1 + Math.floor(Math.random() * n);
const movableId = (n: number) => {
  const id = rand(n);
  return id % 5 === 4 ? id - 1 : id;
};

async function patch(t: Target, id: number, body: unknown): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(`${t.baseUrl}/api/opportunites/${id}/`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(2));
};

/** A card's placement in `proposition`: its top (`position: 0`), or a random key of the column's far half. */
export type MovePlace = 'top' | 'deep';
const placeIn = (t: Target, place: MovePlace) =>
  place === 'top' ? 0 : Math.floor(((0.5 + Math.random() / 2) * t.opportunites * 1024) / 5);

/**
 * Moves into `proposition` (its top, or deep in it: a key the scan of the column's index reaches
 * only past half its cards if it started at the column's first one), one at a time, alternating
 * batches between the targets.
 */
export async function topMoves(
  targets: Target[],
  perTarget: number,
  batch = 25,
  place: MovePlace = 'top',
): Promise<Record<string, { p50: number; p99: number; errors: number }>> {
  const times = new Map(targets.map((t) => [t.label, [] as number[]]));
  const errors = new Map(targets.map((t) => [t.label, 0]));
  // Warm-up, unmeasured: BENCH_MOVES_WARMUP moves per target (default 500). A cold API (JIT, and each
  // pooled connection preparing each statement shape of a move the first time) measured its first
  // few hundred moves up to 1.5 ms slower: to the top of a 40 000-card column p50 4.7-6.1 ms after
  // 10 moves, 4.1-4.2 ms after 500; the target is a running server's.
  const warmup = Number(process.env.BENCH_MOVES_WARMUP ?? 500);
  for (const t of targets)
    for (let i = 0; i < warmup; i++)
      await patch(t, movableId(t.opportunites), { etape: 'proposition', position: placeIn(t, place) });
  for (let done = 0; done < perTarget; done += batch) {
    for (const t of targets) {
      for (let i = 0; i < batch; i++) {
        const r = await patch(t, movableId(t.opportunites), { etape: 'proposition', position: placeIn(t, place) });
        times.get(t.label)!.push(r.ms);
        if (r.status !== 200) errors.set(t.label, errors.get(t.label)! + 1);
      }
    }
  }
  return Object.fromEntries(
    targets.map((t) => [
      t.label,
      { p50: pct(times.get(t.label)!, 50), p99: pct(times.get(t.label)!, 99), errors: errors.get(t.label)! },
    ]),
  );
}

async function rowsWritten(databaseUrl: string): Promise<number> {
  const orm = await MikroORM.init({ ...(await ormConfig({ databaseUrl, poolMax: 1 })), extensions: [] });
  try {
    const [r] = await orm.em
      .getConnection()
      .execute<{ n: string }[]>(
        `select n_tup_ins + n_tup_upd + n_tup_del as n from pg_stat_user_tables where relname = 'opportunites'`,
      );
    return Number(r.n);
  } finally {
    await orm.close(true);
  }
}

/**
 * `count` random moves (random card, random open stage, a random key, the top or the end), on
 * `connections` connections; rows of `opportunites` written per move as PostgreSQL counted them
 * (its statistics reach the shared counters within ~10 s of a backend going idle: we wait for them).
 */
export async function randomMoves(
  t: Target,
  databaseUrl: string,
  count: number,
  connections = 4,
): Promise<{ rowsPerMove: number; p50: number; p99: number; errors: number; seconds: number }> {
  const settle = () => new Promise((r) => setTimeout(r, 11_000));
  await settle();
  const before = await rowsWritten(databaseUrl);
  const started = performance.now();
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const maxKey = (t.opportunites / 5) * 1024;
  const worker = async () => {
    while (next++ < count) {
      const r = Math.random();
      const placement = r < 0.7 ? { position: Math.floor(Math.random() * maxKey) } : r < 0.85 ? { position: 0 } : {};
      const res = await patch(t, movableId(t.opportunites), {
        etape: ETAPES[Math.floor(Math.random() * 4)],
        ...placement,
      });
      times.push(res.ms);
      if (res.status !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await settle();
  const after = await rowsWritten(databaseUrl);
  return {
    rowsPerMove: Number(((after - before) / count).toFixed(3)),
    p50: pct(times, 50),
    p99: pct(times, 99),
    errors,
    seconds: Number(seconds.toFixed(1)),
  };
}
