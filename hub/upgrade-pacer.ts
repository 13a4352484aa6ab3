import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../shared/index.js';

/** Why a queued upgrade was answered without being taken. */
export type PacerRefusal = 'full' | 'waited';

/** Schedules `fn` for the event loop's next check phase (after the I/O of this turn). */
export type Defer = (fn: () => void) => void;

/** What the pacer is given: its bounds, and what to do with an upgrade when its turn comes. */
export interface PacerOptions {
  clock: Clock;
  /** Upgrades that may wait; more are refused (`full`). */
  maxQueued: number;
  /** An upgrade that waited longer is refused (`waited`) when its turn comes. */
  maxWaitMs: number;
  /** Hands an upgrade on (to fastify and ws). */
  take: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Answers an upgrade that is not taken, and closes it. */
  refuse: (socket: Duplex, why: PacerRefusal) => void;
  /** An upgrade starts waiting, and stops (taken, refused or gone): per-address accounting. */
  queued?: (req: IncomingMessage) => void;
  left?: (req: IncomingMessage) => void;
  /** Default: `setImmediate`. */
  defer?: Defer;
}

interface Waiting {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  at: number;
  onError: () => void;
}

/**
 * WebSocket upgrades taken at most one per turn of the event loop, oldest first.
 *
 * A daemon's connect is the hub's costliest ordinary work (the upgrade through fastify and ws,
 * the hello, the login and its answer: about a millisecond), and a reconnect storm brings
 * hundreds of them in the same turn. Taken as they come, they ran back to back in one poll
 * phase: the loop stalled for tens of milliseconds and the calls of the daemons already
 * connected waited behind all of them. Here the first upgrade of a turn is taken at once and
 * the rest wait in a queue, one taken per turn from the check phase, so between two of them
 * the loop reads the sockets of the established daemons and runs its timers.
 *
 * Bounded: at most `maxQueued` wait (more are answered 503 at once), and one that waited
 * longer than `maxWaitMs` is answered 503 when its turn comes (its client has likely given up).
 * A socket closed while waiting is dropped; its errors are swallowed until it is taken.
 */
export class UpgradePacer {
  private readonly queue: (Waiting | undefined)[] = [];
  private head = 0;
  private scheduled = false;
  readonly stats = { queuedMax: 0, refusedFull: 0, refusedWaited: 0, dropped: 0 };

  private readonly defer: Defer;

  constructor(private readonly o: PacerOptions) {
    this.defer = o.defer ?? ((fn) => setImmediate(fn));
  }

  /** Upgrades waiting for their turn. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** An admitted upgrade: taken now if it is the turn's first, else queued (or refused). */
  offer(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(this.next);
      this.o.take(req, socket, head);
      return;
    }
    if (this.waiting >= this.o.maxQueued) {
      this.stats.refusedFull++;
      this.o.refuse(socket, 'full');
      return;
    }
    const onError = (): void => {
      socket.destroy();
    };
    socket.on('error', onError);
    this.queue.push({ req, socket, head, at: this.o.clock.now(), onError });
    this.o.queued?.(req);
    if (this.waiting > this.stats.queuedMax) this.stats.queuedMax = this.waiting;
  }

  /** The check phase: the oldest live upgrade is taken; the next turn is booked if more wait. */
  private readonly next = (): void => {
    this.scheduled = false;
    for (;;) {
      const w = this.shift();
      if (w === undefined) return;
      w.socket.off('error', w.onError);
      this.o.left?.(w.req);
      if (w.socket.destroyed || !w.socket.writable) {
        this.stats.dropped++;
        w.socket.destroy();
        continue;
      }
      if (this.o.clock.now() - w.at > this.o.maxWaitMs) {
        this.stats.refusedWaited++;
        this.o.refuse(w.socket, 'waited');
        continue;
      }
      this.scheduled = true;
      this.defer(this.next);
      this.o.take(w.req, w.socket, w.head);
      return;
    }
  };

  private shift(): Waiting | undefined {
    if (this.head >= this.queue.length) return undefined;
    const w = this.queue[this.head];
    this.queue[this.head++] = undefined;
    // Compact once the taken part is the larger half: amortised O(1) per upgrade.
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return w;
  }
}
