import { isRefusal } from './group-commit.js';
import type { Awaitable, IngestWriter, WriterOptions, WriterStats } from './store.js';

/**
 * The ingest writer of a store whose writes are their own transactions (PostgreSQL): each batch
 * commits on a pooled connection as it comes, many at once; the bound counts the writes in
 * progress. Healthy again once a write commits after a failure.
 */
export class DirectWriter implements IngestWriter {
  readonly stats: WriterStats = { commits: 0, jobs: 0, largest: 1, failedCommits: 0 };
  healthy = true;
  private running = 0;

  constructor(private readonly options: WriterOptions) {}

  async submit<T>(work: () => Awaitable<T>): Promise<T> {
    if (this.running >= this.options.maxQueued) throw this.options.onFull();
    this.running++;
    const started = performance.now();
    try {
      const value = await work();
      this.healthy = true;
      this.stats.commits++;
      this.stats.jobs++;
      this.options.onCommit?.((performance.now() - started) / 1000, true);
      return value;
    } catch (err) {
      if (!isRefusal(err)) {
        this.options.onStoreError?.(err);
        this.healthy = false;
        this.stats.failedCommits++;
        this.options.onCommit?.((performance.now() - started) / 1000, false);
      }
      throw err;
    } finally {
      this.running--;
    }
  }

  get queued(): number {
    return this.running;
  }

  flushNow(): void {
    // Nothing waits: every write is already running.
  }
}
