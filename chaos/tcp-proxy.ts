/**
 * A TCP proxy between one runner and the WhatsApp simulator, to cut that runner from WhatsApp while it
 * still reaches DynamoDB. Modes:
 * - `open`: bytes flow both ways;
 * - `reset`: every connection is cut at once and new ones are refused the same way (RST-like: the client
 *   sees its socket close);
 * - `blackhole`: connections stay up but nothing flows either way, and new ones never reach the
 *   simulator (packets dropped: the client only notices through its own keep-alive). Leaving it cuts them.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type TcpMode = 'open' | 'reset' | 'blackhole';

interface Pair {
  readonly client: Socket;
  upstream?: Socket;
}

export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private current: TcpMode = 'open';
  port = 0;

  private constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {}

  static async start(upstream: string): Promise<TcpProxy> {
    const url = new URL(upstream);
    const proxy = new TcpProxy(url.hostname, Number(url.port));
    await proxy.listen();
    return proxy;
  }

  /** `upstream` (a ws:// URL of the simulator) with this proxy's port. */
  rewrite(upstream: string): string {
    const url = new URL(upstream);
    url.port = String(this.port);
    return url.toString();
  }

  get mode(): TcpMode {
    return this.current;
  }

  get connections(): number {
    return this.pairs.size;
  }

  setMode(mode: TcpMode): void {
    const previous = this.current;
    this.current = mode;
    if (mode === 'reset' || (previous === 'blackhole' && mode === 'open')) {
      for (const pair of this.pairs) this.cut(pair);
    } else if (mode === 'blackhole') {
      for (const pair of this.pairs) this.stall(pair);
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const pair of this.pairs) this.cut(pair);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private accept(client: Socket): void {
    const pair: Pair = { client };
    this.pairs.add(pair);
    client.once('close', () => this.cut(pair));
    client.on('error', () => this.cut(pair));
    if (this.current === 'reset') return this.cut(pair);
    if (this.current === 'blackhole') return this.stall(pair);
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    pair.upstream = upstream;
    upstream.on('error', () => this.cut(pair));
    upstream.once('close', () => this.cut(pair));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private stall(pair: Pair): void {
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.client.pause();
    pair.upstream?.pause();
  }

  private cut(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
