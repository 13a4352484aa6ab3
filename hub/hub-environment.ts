import type { DeliveryClaims } from './delivery-claims.js';
import type { HeartbeatMonitor } from './heartbeats.js';
import type { HubMetrics } from './hub-metrics.js';
import type { DeviceModel } from './model/device-model.js';
import type { ModelChanges } from './model/model-changes.js';
import type { IngestWriter } from './store/store.js';
import type { Store } from './store/store.js';
import type { DataLimits } from '../shared/index.js';
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

// The limits' definitions and defaults live with every other limit (shared/limits.ts).
export { DEFAULT_DATA_LIMITS } from '../shared/index.js';
export type { DataLimits } from '../shared/index.js';
