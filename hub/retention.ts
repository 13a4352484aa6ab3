import type { Clock, Logger, TimerHandle } from '../shared/index.js';
import type { Store } from './store/store.js';

export interface RetentionOptions {
  /** Samples older than this are deleted (default 7 days). */
  metricsDays: number;
  /** How often a purge round runs (default 60 s). */
  everyMs: number;
  /** Samples deleted per transaction; rounds yield to the event loop between chunks (default 5,000). */
  chunk: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  metricsDays: 7,
  everyMs: 60_000,
  chunk: 5_000,
};

/**
 * Deletes old metric samples in small transactions with a turn of the event loop between
 * them, so ingest never waits long behind a purge.
 */
export class Retention {
  private timer: TimerHandle | undefined;
  private closed = false;
  purged = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: RetentionOptions = DEFAULT_RETENTION,
  ) {}

  start(): void {
    if (this.timer === undefined && !this.closed) {
      this.timer = this.clock.setTimeout(() => void this.round(), this.opts.everyMs);
    }
  }

  /** One purge round: chunks until nothing old is left (or the retention is closed). */
  async round(): Promise<number> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const before = this.clock.now() - this.opts.metricsDays * 86_400_000;
    let total = 0;
    try {
      for (;;) {
        if (this.closed) break;
        const n = this.store.metrics.purgeMetrics(before, this.opts.chunk);
        total += n;
        if (n === 0) break;
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.log.error({ err }, 'metric retention round failed');
    }
    this.purged += total;
    if (total > 0) this.log.info({ deleted: total, before }, 'old metric samples deleted');
    this.start();
    return total;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
