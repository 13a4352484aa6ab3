import type { Caller, HubMetrics, HubService, IngestResult, Rejected } from '../hub/index.js';
import { checkBatch } from '../hub/index.js';
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
  ) => IngestResult;
}

interface ServiceParts {
  env: {
    limits: { maxBatchItems: number };
    ingest: Parameters<typeof storeWrite>[0];
    metrics: HubMetrics;
  };
  clock: { now(): number };
  log: HubService['log'];
}

/**
 * The shared path of `sendEvents` and `writeMetrics`: check the batch (malformed items are
 * refused but acknowledged), commit it in the next group commit under the caller's identity,
 * then answer the daemon's mark.
 */
export async function ingestBatch<T>(
  svc: ServiceParts,
  kind: IngestKind<T>,
  caller: Caller,
  batch: unknown,
  options: unknown,
): Promise<IngestResult & { rejected: Rejected[] }> {
  const after = batchAfter(options);
  const now = svc.clock.now();
  const { items, rejected } = checkBatch(
    batch,
    kind.what,
    svc.env.limits.maxBatchItems,
    kind.check,
    now,
  );
  if (rejected.length > 0) {
    svc.log.warn(
      { daemon: caller.daemon, rejected: rejected.slice(0, 5) },
      `malformed ${kind.what}s refused`,
    );
  }
  const rejectedMax = rejected.reduce((m, r) => Math.max(m, r.seq ?? 0), 0);
  const r = await storeWrite(svc.env.ingest, `the ${kind.what} batch`, () =>
    kind.store(daemonKey(caller), items, now, rejectedMax, after),
  );
  svc.env.metrics.ingested.inc({ kind: kind.what }, r.stored);
  return { ...r, rejected };
}
