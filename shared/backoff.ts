/** Exponential backoff with full jitter and a cap. `random` is injected for tests. */
export interface BackoffOptions {
  baseMs: number;
  factor: number;
  maxMs: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    if (!(opts.baseMs > 0) || !(opts.factor >= 1) || !(opts.maxMs >= opts.baseMs)) {
      throw new RangeError('backoff needs baseMs > 0, factor >= 1 and maxMs >= baseMs');
    }
    this.random = opts.random ?? Math.random;
  }

  /** The delay before the next attempt: uniform in [ceiling/2, ceiling], ceiling growing to maxMs. */
  next(): number {
    const ceiling = Math.min(this.opts.maxMs, this.opts.baseMs * this.opts.factor ** this.attempt);
    if (ceiling < this.opts.maxMs) this.attempt++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
