import type { Clock } from '../../shared/index.js';

interface Entry {
  failures: number[];
}

/**
 * Failed-login rate limit per client address: more than `max` failures within `windowMs`
 * and further attempts are refused without checking the password until the oldest failure
 * leaves the window. Remembers at most `capacity` addresses (least recently failed forgotten
 * first), so a flood of addresses cannot grow it without bound.
 */
export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly capacity: number,
  ) {}

  /** 0 when `address` may try now, else the ms to wait. */
  retryAfter(address: string): number {
    const e = this.entries.get(address);
    if (e === undefined) return 0;
    this.prune(e);
    if (e.failures.length < this.max) return 0;
    return (e.failures[0] as number) + this.windowMs - this.clock.now();
  }

  fail(address: string): void {
    let e = this.entries.get(address);
    if (e === undefined) {
      e = { failures: [] };
    } else {
      this.entries.delete(address); // re-inserted below: most recent last
    }
    this.prune(e);
    e.failures.push(this.clock.now());
    if (e.failures.length > this.max) e.failures.shift();
    this.entries.set(address, e);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  succeed(address: string): void {
    this.entries.delete(address);
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(e: Entry): void {
    const since = this.clock.now() - this.windowMs;
    while (e.failures.length > 0 && (e.failures[0] as number) <= since) e.failures.shift();
  }
}
