import net from 'node:net';

/**
 * A TCP proxy in front of a real service (PostgreSQL, Redis, SMTP) for outage tests:
 * - `stop()`: the port closes and live connections are cut (a crashed or stopped service);
 * - `start('blackhole')`: connections are accepted and never answered (a hung service);
 * - `stall()`: live connections stop forwarding in both directions without closing, new ones are
 *   accepted and left waiting (a network partition); `resume()` delivers what was held back.
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private stalled = false;
  private readonly waiting: net.Socket[] = [];
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  static forUrl(url: string): TcpProxy {
    const u = new URL(url);
    return new TcpProxy({ host: u.hostname, port: Number(u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)) });
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async start(mode: 'forward' | 'blackhole' = 'forward'): Promise<void> {
    this.stalled = false;
    this.server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (mode === 'blackhole') return;
      if (this.stalled) {
        client.pause();
        this.waiting.push(client);
        return;
      }
      this.connect(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private connect(client: net.Socket): void {
    const upstream = net.connect(this.target);
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => upstream.destroy());
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    client.pipe(upstream).pipe(client);
    client.resume();
    client.on('close', () => {
      upstream.destroy();
      this.pairs.delete(pair);
    });
    upstream.on('close', () => client.destroy());
  }

  /** Stops forwarding without closing anything (bytes stay in the kernel buffers). */
  stall(): void {
    this.stalled = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  resume(): void {
    this.stalled = false;
    for (const [client, upstream] of this.pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      upstream.resume();
    }
    for (const client of this.waiting.splice(0)) if (!client.destroyed) this.connect(client);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.pairs.clear();
    this.waiting.length = 0;
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}
