import { checkSample, type Caller, type SampleInput } from '../hub/index.js';
import { MetricContract } from '../shared/index.js';
import { IngestService, type BatchOptions, type IngestKind } from './ingest-batch.js';

/**
 * Metric samples from daemons, with the same exactly-once rule as events: commit, then
 * answer the daemon's high-water mark.
 */
export class MetricService extends IngestService<SampleInput> {
  // Worker threads import the service from here (see HubService.moduleUrl).
  static override moduleUrl = import.meta.url;
  static override contract = MetricContract;
  static withCaller = ['writeMetrics'];

  /** `batch`: samples `{ seq, device, component?, metric, value, timestamp }`. Answers `{ ack, stored, duplicates, rejected }`. */
  remote_writeMetrics(caller: Caller, batch: unknown[], options?: BatchOptions): Promise<unknown> {
    return this.ingest(caller, batch, options);
  }

  protected readonly kind: IngestKind<SampleInput> = {
    what: 'sample',
    check: checkSample,
    store: (daemon, items, now, rejectedMax, after, spool) =>
      this.env.store.metrics.ingestMetrics(daemon, items, now, rejectedMax, after, spool),
  };
}
