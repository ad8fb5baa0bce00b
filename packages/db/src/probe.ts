import pg from 'pg';

/**
 * Is the database answering? One dedicated connection, outside the pool (a pool exhausted by slow
 * requests must not make the health check fail), bounded in time as a whole (connect + `select 1`):
 * a database that stopped answering without closing the connection is reported within `timeoutMs`.
 * Concurrent checks share one round trip. A failed check drops the connection; the next one opens
 * a new one, so the probe recovers by itself.
 */
export class DatabaseProbe {
  private client?: pg.Client;
  private running?: Promise<boolean>;

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 2_000,
  ) {}

  check(): Promise<boolean> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database probe timed out')), this.timeoutMs);
    });
    try {
      await Promise.race([this.selectOne(), timeout]);
      return true;
    } catch {
      this.drop();
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private async selectOne(): Promise<void> {
    if (!this.client) {
      const client = new pg.Client({
        connectionString: this.url,
        connectionTimeoutMillis: this.timeoutMs,
        statement_timeout: this.timeoutMs,
      });
      client.on('error', () => this.client === client && this.drop());
      this.client = client;
      await client.connect();
    }
    await this.client.query('select 1');
  }

  private drop(): void {
    const client = this.client as (pg.Client & { connection?: { stream?: { destroy(): void } } }) | undefined;
    this.client = undefined;
    // end() would wait for an answer that may never come: cut the socket.
    client?.connection?.stream?.destroy();
    client?.end().catch(() => {});
  }

  async close(): Promise<void> {
    await this.running?.catch(() => {});
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
