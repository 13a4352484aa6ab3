import type { Transport, TransportHandlers } from '../shared/index.js';

/**
 * One end of an in-memory connection. Frames are delivered in order on the microtask queue.
 * `pause()` makes this end stop reading: what the peer sends piles up in the peer's
 * `bufferedAmount`, as with a socket whose reader stopped.
 */
export class MemoryTransport implements Transport {
  peer!: MemoryTransport;
  handlers: TransportHandlers | undefined;
  closed = false;
  sent: string[] = [];
  /** Bytes waiting because the peer is paused. */
  queuedBytes = 0;
  private paused = false;
  private inbox: string[] = [];
  /** Frames that arrived before attach (a real socket buffers them too). */
  private early: string[] = [];

  constructor(readonly remoteAddress: string) {}

  get bufferedAmount(): number {
    return this.queuedBytes;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const f of early) handlers.message(f, false);
  }

  send(frame: string): void {
    if (this.closed) return;
    this.sent.push(frame);
    this.peer.receive(frame);
  }

  /** Sends raw data as if a hostile peer wrote it on the socket. */
  inject(data: string | Buffer, isBinary = false): void {
    queueMicrotask(() => {
      if (!this.closed) this.handlers?.message(data, isBinary);
    });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => {
      this.handlers?.close(code, reason);
      this.peer.remoteClosed(code, reason);
    });
  }

  terminate(): void {
    this.close(1006, '');
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const frames = this.inbox;
    this.inbox = [];
    this.peer.queuedBytes = 0;
    for (const f of frames) this.receive(f);
  }

  private receive(frame: string): void {
    if (this.paused) {
      this.inbox.push(frame);
      this.peer.queuedBytes += frame.length;
      return;
    }
    queueMicrotask(() => {
      if (this.closed) return;
      if (this.handlers) this.handlers.message(frame, false);
      else this.early.push(frame);
    });
  }

  private remoteClosed(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.close(code, reason);
  }
}

/** Two connected ends: `[a, b]`, a's frames arrive at b and the other way round. */
export function transportPair(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport('memory-a');
  const b = new MemoryTransport('memory-b');
  a.peer = b;
  b.peer = a;
  return [a, b];
}
