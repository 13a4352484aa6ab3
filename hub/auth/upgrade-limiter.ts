import type { Clock } from '../../shared/index.js';

export type Refusal = 'rate' | 'pending';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Admission of daemon connections per client address, decided before the WebSocket upgrade so
 * a flood costs the hub one small HTTP answer per attempt and nothing more:
 * - a token bucket: at most `ratePerSecond` upgrades a second on average, `ratePerSecond` at once;
 * - a cap on connections from the address that have not logged in yet (`maxPending`): a client
 *   that opens sockets and never logs in holds at most that many (each also ends at the login
 *   timeout).
 * Logged-in daemons are not counted: a flood from one address cannot push out the daemons
 * already at work. Remembers at most `capacity` addresses (least recently seen forgotten first).
 */
export class UpgradeLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly pending = new Map<string, number>();
  readonly stats = { refusedRate: 0, refusedPending: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly ratePerSecond: number,
    private readonly maxPending: number,
    private readonly capacity: number,
  ) {}

  /** Takes a token for `address`; answers why it is refused, or undefined when admitted. */
  admit(address: string): Refusal | undefined {
    if ((this.pending.get(address) ?? 0) >= this.maxPending) {
      this.stats.refusedPending++;
      return 'pending';
    }
    const now = this.clock.now();
    const b = this.buckets.get(address) ?? { tokens: this.ratePerSecond, at: now };
    this.buckets.delete(address); // re-inserted: most recently seen last
    b.tokens = Math.min(this.ratePerSecond, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.buckets.set(address, b);
    if (this.buckets.size > this.capacity) {
      this.buckets.delete(this.buckets.keys().next().value as string);
    }
    if (b.tokens < 1) {
      this.stats.refusedRate++;
      return 'rate';
    }
    b.tokens -= 1;
    return undefined;
  }

  /** A connection from `address` was accepted and has not logged in. */
  opened(address: string): void {
    this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
  }

  /** That connection logged in or closed first. */
  settled(address: string): void {
    const n = (this.pending.get(address) ?? 0) - 1;
    if (n > 0) this.pending.set(address, n);
    else this.pending.delete(address);
  }

  /** Connections from `address` waiting for their login. */
  pendingFrom(address: string): number {
    return this.pending.get(address) ?? 0;
  }
}
