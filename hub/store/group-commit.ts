import type { Awaitable, IngestWriter, WriterOptions, WriterStats } from './store.js';

/** A store whose writes are synchronous, with nested transactions (SQLite). */
export interface SyncTransactions {
  /** Runs `fn` in one transaction: it commits when `fn` returns, and rolls back if it throws. */
  group<T>(fn: () => T): T;
  /** Inside `group`: runs `fn` in a savepoint, so that its failure undoes only its own writes. */
  savepoint<T>(fn: () => T): T;
}

/** zhub's own refusals (out of order, bad input) say nothing about the store's health. */
export function isRefusal(err: unknown): boolean {
  return err instanceof Error && 'code' in err && String(err.code).startsWith('HUB_ERR_');
}

interface Job {
  work: () => unknown;
  resolve(v: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit: ingest batches that arrive in the same turn of the event loop are written in
 * one store transaction (each in its own savepoint, so one bad batch fails alone) and
 * answered only after that transaction commits. Under load the batches read from many
 * sockets while one commit runs join the next, so the per-commit cost (fsync, pages written)
 * is shared; an idle hub commits a lone batch on the next turn, adding no timer delay.
 * The queue is bounded: past `maxQueued` jobs a submit is refused with `onFull()`'s error.
 */
export class GroupCommit implements IngestWriter {
  readonly stats: WriterStats = { commits: 0, jobs: 0, largest: 0, failedCommits: 0 };
  private queue: Job[] = [];
  private scheduled = false;

  /** False after a commit failed, until one succeeds: the hub reports itself unready. */
  healthy = true;

  private readonly maxQueued: number;
  private readonly onFull: () => Error;
  private readonly onCommit: (seconds: number, ok: boolean) => void;
  private readonly onStoreError: (err: unknown) => void;

  constructor(
    private readonly store: SyncTransactions,
    options: WriterOptions,
  ) {
    this.maxQueued = options.maxQueued;
    this.onFull = options.onFull;
    this.onCommit = options.onCommit ?? (() => undefined);
    this.onStoreError = options.onStoreError ?? (() => undefined);
  }

  /** `work` must be synchronous (it runs inside the group's transaction). */
  submit<T>(work: () => Awaitable<T>): Promise<T> {
    if (this.queue.length >= this.maxQueued) return Promise.reject(this.onFull());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (at shutdown, before the store closes). */
  flushNow(): void {
    this.flush();
  }

  get queued(): number {
    return this.queue.length;
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    const started = performance.now();
    try {
      this.store.group(() => {
        for (const job of jobs) {
          try {
            const value = this.store.savepoint(job.work);
            if (value instanceof Promise) {
              throw new Error('group commit needs synchronous store writes');
            }
            outcomes.push({ ok: true, value });
          } catch (err) {
            outcomes.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      // The commit itself failed: nothing of this group is stored, nothing is acknowledged.
      this.stats.failedCommits++;
      this.healthy = false;
      this.onStoreError(err);
      this.onCommit((performance.now() - started) / 1000, false);
      for (const job of jobs) job.reject(err);
      return;
    }
    // A batch the store itself failed (a damaged page, SQLITE_CORRUPT, an I/O error: not one
    // of zhub's refusals) makes the hub unready even though the group committed. Healthy again
    // only once a group commits writes and no store failure: a group whose writes were all
    // refused (out of order, say) proves nothing about the disk.
    const storeFailures = outcomes.filter((o) => !o.ok && !isRefusal(o.value));
    for (const f of storeFailures) this.onStoreError(f.value);
    if (storeFailures.length > 0) {
      this.healthy = false;
      this.stats.failedCommits += 1;
    } else if (outcomes.some((o) => o.ok)) this.healthy = true;
    this.onCommit((performance.now() - started) / 1000, true);
    this.stats.commits++;
    this.stats.jobs += jobs.length;
    if (jobs.length > this.stats.largest) this.stats.largest = jobs.length;
    jobs.forEach((job, i) => {
      const o = outcomes[i] as { ok: boolean; value: unknown };
      if (o.ok) job.resolve(o.value);
      else job.reject(o.value);
    });
  }
}
