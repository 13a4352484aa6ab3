import { checkBatch, checkSample, HubService, type Caller } from '../hub/index.js';
import { batchAfter } from './batch-options.js';
import { daemonKey, storeWrite } from './store-errors.js';

/**
 * Metric samples from daemons, with the same exactly-once rule as events: commit, then
 * answer the daemon's high-water mark.
 */
export class MetricService extends HubService {
  static override serviceName = 'MetricService';
  static withCaller = ['writeMetrics'];

  /** `batch`: samples `{ seq, device, component?, metric, value, timestamp }`. Answers `{ ack, stored, duplicates, rejected }`. */
  async remote_writeMetrics(caller: Caller, batch: unknown, options?: unknown): Promise<unknown> {
    const after = batchAfter(options);
    const now = this.clock.now();
    const { items, rejected } = checkBatch(
      batch,
      'sample',
      this.env.limits.maxBatchItems,
      checkSample,
      now,
    );
    if (rejected.length > 0)
      this.log.warn(
        { daemon: caller.daemon, rejected: rejected.slice(0, 5) },
        'malformed samples refused',
      );
    const rejectedMax = rejected.reduce((m, r) => Math.max(m, r.seq ?? 0), 0);
    const r = await storeWrite(this.env.ingest, 'the metric batch', () =>
      this.env.store.metrics.ingestMetrics(daemonKey(caller), items, now, rejectedMax, after),
    );
    return { ...r, rejected };
  }
}
