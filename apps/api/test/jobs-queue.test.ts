import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, initOrm, migrate, type MikroORM } from '@crm/db';
import { loadConfig, type JobsConfig } from '../src/config.js';
import { defineJob, enqueue, JobQueue, attachJobQueue, type AnyJobDefinition } from '../src/jobs/queue.js';
import { sql } from '../src/lib/sql/runner.js';

declare module '../src/jobs/queue.js' {
  interface JobTypes {
    'test.echo': { n: number };
    'test.flaky': { n: number };
    'test.cron': Record<string, never>;
  }
}

type Seen = { name: string; n: number; retryCount: number; pid: string };

function definitions(seen: Seen[], pid: string): AnyJobDefinition<unknown>[] {
  return [
    defineJob({
      name: 'test.echo',
      async run(data, job) {
        seen.push({ name: job.name, n: data.n, retryCount: job.retryCount, pid });
      },
    }),
    defineJob({
      name: 'test.flaky',
      retryLimit: 3,
      retryDelay: 1,
      async run(data, job) {
        seen.push({ name: job.name, n: data.n, retryCount: job.retryCount, pid });
        if (job.retryCount < 1) throw new Error('first attempt fails');
      },
    }),
    defineJob({ name: 'test.cron', cron: '*/5 * * * *', async run() {} }),
  ];
}

const jobsConfig = (workers: boolean): JobsConfig => ({
  ...loadConfig({ JWT_SECRET: 'x'.repeat(32) }).jobs,
  workers,
  pollingIntervalSeconds: 0.5,
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('job queue (pg-boss)', () => {
  let db: { url: string; release(): Promise<void> };
  let orm: MikroORM;
  let queue: JobQueue<unknown>;
  const seen: Seen[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('crm_test', { template: true });
    orm = await initOrm({ databaseUrl: db.url, poolMax: 4 });
    await migrate(orm);
    queue = new JobQueue(orm, jobsConfig(true), definitions(seen, 'a'), () => ({}));
    attachJobQueue(orm, queue);
    const t0 = performance.now();
    await queue.start();
    console.log(`queue start with workers: ${(performance.now() - t0).toFixed(0)} ms`);
  });

  afterAll(async () => {
    await queue?.stop();
    await orm?.close(true);
    await db?.release();
  });

  it('a job enqueued in a transaction exists only if it commits, and runs once', async () => {
    await expect(
      orm.em.fork().transactional(async (em) => {
        await enqueue(em, 'test.echo', { n: 1 });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await orm.em.fork().transactional(async (em) => {
      await sql(em, 'select 1');
      await enqueue(em, 'test.echo', { n: 2 });
    });
    await until(() => seen.some((s) => s.n === 2));
    await new Promise((r) => setTimeout(r, 700));
    expect(seen.filter((s) => s.name === 'test.echo').map((s) => s.n)).toEqual([2]);
  });

  it('a failed attempt is retried', async () => {
    await enqueue(orm.em.fork(), 'test.flaky', { n: 3 });
    await until(() => seen.filter((s) => s.n === 3).length === 2);
    expect(seen.filter((s) => s.n === 3).map((s) => s.retryCount)).toEqual([0, 1]);
  });

  it('an API without workers only enqueues; a worker elsewhere runs the job; cron is scheduled once', async () => {
    const apiOrm = await initOrm({ databaseUrl: db.url, poolMax: 2 });
    const apiSeen: Seen[] = [];
    const api = new JobQueue(apiOrm, jobsConfig(false), definitions(apiSeen, 'api'), () => ({}));
    attachJobQueue(apiOrm, api);
    try {
      await api.start();
      await queue.stop();
      await enqueue(apiOrm.em.fork(), 'test.echo', { n: 4 });
      await new Promise((r) => setTimeout(r, 1200));
      expect(apiSeen).toEqual([]);
      expect(seen.some((s) => s.n === 4)).toBe(false);
      const [pending] = await sql(
        orm.em.fork(),
        `select count(*)::int as n from pgboss.job where name = 'test.echo' and state = 'created'`,
      );
      expect(pending.n).toBe(1);

      await queue.start();
      await until(() => seen.some((s) => s.n === 4));
      expect(apiSeen).toEqual([]);
      const schedules = await sql(orm.em.fork(), `select name, cron from pgboss.schedule`);
      expect(schedules).toEqual([{ name: 'test.cron', cron: '*/5 * * * *' }]);
    } finally {
      await api.stop();
      await apiOrm.close(true);
    }
  });

  it('a stopped queue takes no job enqueued after stop() returned, even if its workers were fetching then', async () => {
    // Every connection of the workers' pool is held: the workers' next fetches (every 0.5 s) wait for
    // one. stop() is called while they wait, and the job is enqueued (through another pool) as soon as
    // stop() has returned, then the connections are given back.
    const otherOrm = await initOrm({ databaseUrl: db.url, poolMax: 2 });
    const api = new JobQueue(otherOrm, jobsConfig(false), definitions([], 'api'), () => ({}));
    attachJobQueue(otherOrm, api);
    await api.start();
    const client = orm.em.getConnection().getKnex().client as any;
    const held: unknown[] = [];
    try {
      for (let i = 0; i < 4; i++) held.push(await client.acquireConnection());
      await new Promise((r) => setTimeout(r, 1200));
      let stopped = false;
      const stopping = queue.stop().then(() => {
        stopped = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      // Before the fix stop() returned at once, its workers' fetches still pending.
      const returnedEarly = stopped;
      if (returnedEarly) await enqueue(otherOrm.em.fork(), 'test.echo', { n: 5 });
      for (const conn of held.splice(0)) await client.releaseConnection(conn);
      await stopping;
      if (!returnedEarly) await enqueue(otherOrm.em.fork(), 'test.echo', { n: 5 });
      await new Promise((r) => setTimeout(r, 1500));
      expect(seen.some((s) => s.n === 5)).toBe(false);
      const [pending] = await sql(
        otherOrm.em.fork(),
        `select count(*)::int as n from pgboss.job where name = 'test.echo' and state = 'created' and data->>'n' = '5'`,
      );
      expect(pending.n).toBe(1);
    } finally {
      for (const conn of held) await client.releaseConnection(conn);
      await queue.start();
      await api.stop();
      await otherOrm.close(true);
    }
  });
});
