import net from 'node:net';

/** A TCP proxy in front of a real service, for outage tests (database, SMTP). */
/** Forwards every connection to `target`; `stop()` closes the port and cuts live connections. */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  /** `blackhole`: accepts connections and never answers (a hung network rather than a refused port). */
  async start(mode: 'forward' | 'blackhole' = 'forward'): Promise<void> {
    this.server = net.createServer((client) => {
      if (mode === 'blackhole') {
        this.sockets.add(client);
        client.on('error', () => client.destroy());
        return;
      }
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

