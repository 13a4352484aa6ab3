import type { Awaitable, Caller, IngestResult, Rejected } from '../hub/index.js';
import { checkBatch, daemonKey, HubService, instanceKey } from '../hub/index.js';
import { storeWrite } from './store-errors.js';

/** `f(value)` after `value`: at once when it is not a promise (SQLite writes stay synchronous). */
function then<A, B>(value: Awaitable<A>, f: (a: A) => Awaitable<B>): Awaitable<B> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** Options a daemon passes with a batch (checked by the contract): the last seq of the batch before. */
export interface BatchOptions {
  after?: number | undefined;
}

/** What an ingest method of a service needs to know about its stream. */
export interface IngestKind<T> {
  /** For messages and counters. */
  what: 'event' | 'sample';
  check: (o: Record<string, unknown>, now: number) => T;
  /** Stores the checked items exactly once (see the Store interface). */
  store: (
    daemon: string,
    items: T[],
    now: number,
    rejectedMaxSeq: number,
    after: number | undefined,
    spool: string | undefined,
  ) => Awaitable<IngestResult>;
}

/**
 * Base of the services that take daemon batches (events, samples): the shared path of
 * `sendEvents` and `writeMetrics`. `ingest` checks the batch (malformed items are refused but
 * acknowledged), commits it in the next group commit under the caller's identity, then answers
 * the daemon's mark.
 */
export abstract class IngestService<T> extends HubService {
  // Ingest is batched already and needs the loop's claims and group commit: never a worker.
  static override lane = 'loop' as const;
  protected abstract readonly kind: IngestKind<T>;

  protected async ingest(
    caller: Caller,
    batch: unknown[],
    options: BatchOptions | undefined,
  ): Promise<IngestResult & { rejected: Rejected[] }> {
    const kind = this.kind;
    const claimed = this.env.claims.claim(caller);
    if (claimed) await claimed;
    const after = options?.after;
    const now = this.clock.now();
    const { items, rejected } = checkBatch(
      batch,
      kind.what,
      this.env.limits.maxBatchItems,
      kind.check,
      now,
    );
    const rejectedMax = rejected.reduce((m, r) => Math.max(m, r.seq ?? 0), 0);
    const key = daemonKey(caller);
    const spool = instanceKey(caller);
    const refusals = this.env.refusals;
    const letters = refusals.letters(key, kind.what, rejected, now);
    let kept = { fresh: [] as boolean[], evicted: 0 };
    // The dead letters are written first, in the same write: nothing refused is acknowledged
    // unless it is kept. A batch sent again adds no second letter and is not counted again.
    const r = await storeWrite(this.env.ingest, `the ${kind.what} batch`, () =>
      letters.length === 0
        ? kind.store(key, items, now, rejectedMax, after, spool)
        : then(this.env.store.deadLetters.add(letters, refusals.maxDeadLetters), (k) => {
            kept = k;
            return kind.store(key, items, now, rejectedMax, after, spool);
          }),
    );
    if (letters.length > 0) {
      const fresh = rejected.filter((_, i) => kept.fresh[i]);
      refusals.record(caller.daemon, kind.what, fresh, kept.evicted);
    }
    this.env.metrics.ingested.inc({ kind: kind.what }, r.stored);
    return { ...r, rejected: rejected.map(({ seq, code, reason }) => ({ seq, code, reason })) };
  }
}
