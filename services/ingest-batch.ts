import type { Awaitable, Caller, IngestResult, Rejected } from '../hub/index.js';
import { checkBatch, HubService } from '../hub/index.js';
import { batchAfter } from './batch-options.js';
import { daemonKey, storeWrite } from './store-errors.js';

/** What an ingest method of a service needs to know about its stream. */
export interface IngestKind<T> {
  /** For messages: 'event', 'sample'. */
  what: string;
  check: (o: Record<string, unknown>, now: number) => T;
  /** Stores the checked items exactly once (see the Store interface). */
  store: (
    daemon: string,
    items: T[],
    now: number,
    rejectedMaxSeq: number,
    after: number | undefined,
  ) => Awaitable<IngestResult>;
}

/**
 * Base of the services that take daemon batches (events, samples): the shared path of
 * `sendEvents` and `writeMetrics`. `ingest` checks the batch (malformed items are refused but
 * acknowledged), commits it in the next group commit under the caller's identity, then answers
 * the daemon's mark.
 */
export abstract class IngestService<T> extends HubService {
  protected abstract readonly kind: IngestKind<T>;

  protected async ingest(
    caller: Caller,
    batch: unknown,
    options: unknown,
  ): Promise<IngestResult & { rejected: Rejected[] }> {
    const kind = this.kind;
    this.env.claims.claim(caller);
    const after = batchAfter(options);
    const now = this.clock.now();
    const { items, rejected } = checkBatch(
      batch,
      kind.what,
      this.env.limits.maxBatchItems,
      kind.check,
      now,
    );
    if (rejected.length > 0) {
      this.log.warn(
        { daemon: caller.daemon, rejected: rejected.slice(0, 5) },
        `malformed ${kind.what}s refused`,
      );
    }
    const rejectedMax = rejected.reduce((m, r) => Math.max(m, r.seq ?? 0), 0);
    const r = await storeWrite(this.env.ingest, `the ${kind.what} batch`, () =>
      kind.store(daemonKey(caller), items, now, rejectedMax, after),
    );
    this.env.metrics.ingested.inc({ kind: kind.what }, r.stored);
    return { ...r, rejected };
  }
}
