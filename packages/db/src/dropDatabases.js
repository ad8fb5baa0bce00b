/**
 * Drops a test run's databases (the names holding `_<tag>_`) and the extra names given, a few at a time
 * (their DROP DATABASEs share checkpoints), ending their open connections (`with (force)`). Run at the
 * end of a vitest run from a detached process: `node dropDatabases.js <admin url> <tag> [extra names…]`
 * (see `dropInBackground` in testing.ts).
 *
 * Plain JavaScript so that a bare `node` runs it, without vitest's or tsx's transform.
 */
import pg from 'pg';
import { pathToFileURL } from 'node:url';

/** `fn` on a new connection to `url`, closed after it (the tests' admin connections, see testing.ts). */
export async function withAdmin(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function dropDatabases(adminUrl, tag, extra = []) {
  const tagged = tag
    ? (
        await withAdmin(adminUrl, (c) =>
          c.query('select datname from pg_database where strpos(datname, $1) > 0', [`_${tag}_`]),
        )
      ).rows.map((r) => r.datname)
    : [];
  const queue = [...tagged, ...extra];
  await Promise.all(
    Array.from({ length: Math.min(6, queue.length) }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const n = name;
        await withAdmin(adminUrl, (c) => c.query(`drop database if exists "${n.replaceAll('"', '""')}" with (force)`));
      }
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [adminUrl, tag, ...extra] = process.argv.slice(2);
  dropDatabases(adminUrl, tag, extra).catch((err) => {
    console.error('dropDatabases:', err);
    process.exitCode = 1;
  });
}
