import type { Clock, Logger, RetentionOptions } from '../shared/index.js';
import { DEFAULT_RETENTION } from '../shared/index.js';
import { PeriodicTask } from './periodic-task.js';
import type { Store } from './store/store.js';

export { DEFAULT_RETENTION } from '../shared/index.js';
export type { RetentionOptions } from '../shared/index.js';

/**
 * The store's upkeep: compacts fresh samples into their query layout, and deletes samples
 * older than the retention. Both work in small transactions with a turn of the event loop
 * between them, so ingest never waits long behind them.
 */
export class Retention {
  private readonly purge: PeriodicTask;
  private readonly compaction: PeriodicTask;

  constructor(store: Store, clock: Clock, log: Logger, opts: RetentionOptions = DEFAULT_RETENTION) {
    this.purge = new PeriodicTask('retention', clock, log, opts.everyMs, () =>
      store.metrics.purgeMetrics(clock.now() - opts.metricsDays * 86_400_000, opts.chunk),
    );
    this.compaction = new PeriodicTask('compaction', clock, log, opts.compactEveryMs, () =>
      store.metrics.compact(opts.compactChunk),
    );
  }

  start(): void {
    this.purge.start();
    this.compaction.start();
  }

  /** One purge round now; answers the samples deleted. */
  round(): Promise<number> {
    return this.purge.run();
  }

  /** One compaction round now; answers the samples moved. */
  compactNow(): Promise<number> {
    return this.compaction.run();
  }

  get purged(): number {
    return this.purge.total;
  }

  close(): void {
    this.purge.close();
    this.compaction.close();
  }
}
