// A TCP proxy between daemons and the hub that injects network faults: resets mid-frame, a
// black hole (nothing passes, nothing is reset), added latency, and a trickle of bytes.
// Data held during a fault is delivered in order when the path returns, as TCP would after
// retransmission; connections the peers closed meanwhile stay closed.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'blackhole' }
  | { kind: 'latency'; ms: number }
  | { kind: 'trickle'; bytesPerSecond: number };

/** One direction of one connection: a queue drained according to the proxy's mode. */
class Pipe {
  private readonly queue: { data: Buffer | null; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: Socket,
    private readonly proxy: FaultProxy,
  ) {}

  push(data: Buffer | null): void {
    this.queue.push({ data, at: Date.now() });
    this.pump();
  }

  pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const mode = this.proxy.mode;
    while (this.queue.length > 0 && !this.to.destroyed) {
      const head = this.queue[0] as { data: Buffer | null; at: number };
      if (mode.kind === 'blackhole') return;
      if (mode.kind === 'latency' && Date.now() < head.at + mode.ms) {
        this.timer = setTimeout(() => this.pump(), head.at + mode.ms - Date.now());
        return;
      }
      if (mode.kind === 'trickle' && head.data !== null) {
        this.to.write(head.data.subarray(0, 1));
        head.data = head.data.subarray(1);
        if (head.data.length === 0) this.queue.shift();
        this.timer = setTimeout(() => this.pump(), 1000 / mode.bytesPerSecond);
        return;
      }
      this.queue.shift();
      if (head.data === null) this.to.end();
      else this.to.write(head.data);
    }
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

interface Pair {
  client: Socket;
  upstream: Socket;
  pipes: Pipe[];
}

export class FaultProxy {
  mode: FaultMode = { kind: 'pass' };
  /** Connections reset so far by `resetMidFrame`. */
  resets = 0;
  private readonly pairs = new Set<Pair>();
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/hub`;
  }

  get connections(): number {
    return this.pairs.size;
  }

  set(mode: FaultMode): void {
    this.mode = mode;
    for (const p of this.pairs) {
      for (const pipe of p.pipes) pipe.pump();
      if (mode.kind === 'pass' && p.client.destroyed && p.upstream.destroyed) this.drop(p);
    }
  }

  /**
   * Resets every open connection in the middle of its next frame from the daemon side: half of
   * that chunk is passed on, then both sockets are reset (RST, not FIN).
   */
  resetMidFrame(): void {
    for (const p of this.pairs) (p as Pair & { resetArmed?: boolean }).resetArmed = true;
  }

  async close(): Promise<void> {
    for (const p of this.pairs) this.drop(p);
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    const pair: Pair & { resetArmed?: boolean } = { client, upstream, pipes: [] };
    const toUpstream = new Pipe(upstream, this);
    const toClient = new Pipe(client, this);
    pair.pipes.push(toUpstream, toClient);
    this.pairs.add(pair);
    client.on('data', (d: Buffer) => {
      if (pair.resetArmed && d.length > 1) {
        pair.resetArmed = false;
        this.resets++;
        upstream.write(d.subarray(0, d.length >> 1), () => this.drop(pair, true));
        return;
      }
      toUpstream.push(d);
    });
    upstream.on('data', (d: Buffer) => toClient.push(d));
    client.on('end', () => toUpstream.push(null));
    upstream.on('end', () => toClient.push(null));
    const gone = (): void => this.drop(pair, true);
    client.on('error', gone);
    upstream.on('error', gone);
    client.on('close', () => {
      if (this.mode.kind === 'pass') this.drop(pair);
    });
    upstream.on('close', () => {
      if (this.mode.kind === 'pass') this.drop(pair);
    });
  }

  private drop(pair: Pair, reset = false): void {
    if (!this.pairs.delete(pair)) return;
    for (const pipe of pair.pipes) pipe.close();
    for (const s of [pair.client, pair.upstream]) {
      if (reset && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  }
}
