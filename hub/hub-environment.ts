import type { DeliveryClaims } from './delivery-claims.js';
import type { HeartbeatMonitor } from './heartbeats.js';
import type { HubMetrics } from './hub-metrics.js';
import type { DeviceModel } from './model/device-model.js';
import type { ModelChanges } from './model/model-changes.js';
import type { IngestWriter } from './store/store.js';
import type { Store } from './store/store.js';
import type { PageLimits } from './model/device-pages.js';
import type { Refusals } from './refusals.js';

/** What the hub shares with its services: the store and the hub-wide collaborators. */
export interface HubEnvironment {
  store: Store;
  changes: ModelChanges;
  model: DeviceModel;
  heartbeats: HeartbeatMonitor;
  /** Ingest writes go through here: one transaction for the batches of one turn. */
  ingest: IngestWriter;
  /** Prometheus metrics (and per-method figures for the status). */
  metrics: HubMetrics;
  limits: DataLimits;
  /** What is done with refused items: dead letters, counters, events. */
  refusals: Refusals;
  /** Which connection delivers under each daemon name (one at a time). */
  claims: DeliveryClaims;
}

export interface DataLimits extends PageLimits {
  /** Items accepted in one sendEvents / writeMetrics batch. */
  maxBatchItems: number;
  /** Config pushes wait this long to coalesce changes (ms). */
  pushDelayMs: number;
  /** Devices per pushed batch: keeps each encode and send short. */
  pushBatchDevices: number;
  /** Pushed batches queued per listener before it is sent a full-reload notice instead. */
  maxPushBacklog: number;
  /** Ingest batches waiting for the next group commit; more are refused (HUB_ERR_STORE, retryable). */
  maxIngestQueue: number;
  /** Dead letters (refused items) kept; past it the oldest are deleted and counted. */
  maxDeadLetters: number;
}

export const DEFAULT_DATA_LIMITS: Readonly<DataLimits> = Object.freeze({
  maxBatchItems: 10_000,
  pushDelayMs: 200,
  pushBatchDevices: 500,
  maxPushBacklog: 64,
  maxIngestQueue: 10_000,
  maxDeadLetters: 10_000,
  pullPageDevices: 500,
  // Under V8's large-object size (about 128 KB) with the frame around it: a page's strings
  // then die young, and serving 100,000 devices causes no old-generation collections (with
  // 512 KiB pages the hub stalled up to 67-101 ms in them; with 96 KiB, 16 ms).
  pullPageBytes: 96 * 1024,
  pullPageIds: 5_000,
});
