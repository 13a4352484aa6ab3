import type {
  Collector,
  Device,
  DeviceInput,
  DevicePatch,
  ModelChange,
} from '../model/model-schemas.js';
import type { EventInput, SampleInput } from '../model/telemetry.js';

/** The device model: collectors, devices, and per-collector generations. */
export interface ModelStore {
  listCollectors(): Collector[];
  getCollector(name: string): Collector | undefined;
  /** Adds the collector, or merges `properties` into an existing one's. */
  putCollector(
    name: string,
    properties: Record<string, unknown>,
  ): { collector: Collector; created: boolean };
  /** Refuses (HUB_ERR_BAD_ARGUMENT) while devices still belong to it. */
  removeCollector(name: string): boolean;

  getDevice(id: string): Device | undefined;
  listDevices(q: { collector?: string; search?: string; offset?: number; limit?: number }): {
    total: number;
    devices: Device[];
  };
  /**
   * Adds (`add`: refuses existing ids), replaces (`upsert`) or edits (`edit`: refuses unknown
   * ids) devices, all in one transaction: all or nothing.
   */
  putDevices(
    devices: DeviceInput[] | { id: string; patch: DevicePatch }[],
    mode: 'add' | 'upsert' | 'edit',
  ): ModelChange[];
  removeDevices(ids: string[]): ModelChange[];
  /** The pull diff for a collector (see ConfigService.getDeviceConfigs). */
  deviceDiff(collector: string, since: number, knownIds: readonly string[]): DeviceDiff;
  /** Ids and generations only: for resynchronising after missed notifications. */
  generations(): Map<string, number>;
}

export interface DeviceDiff {
  new: Device[];
  updated: Device[];
  removed: string[];
  generation: number;
  /** Hub time when the diff was taken: pass it back as the next `since`. */
  asOf: number;
}

export interface IngestResult {
  /** The daemon's high-water mark after this batch: everything up to it is stored. */
  ack: number;
  stored: number;
  duplicates: number;
}

export type EventState = 'open' | 'acknowledged' | 'closed';

export interface StoredEvent {
  id: number;
  device: string;
  component: string;
  eventClass: string;
  eventKey: string;
  severity: number;
  summary: string;
  message: string;
  fields: Record<string, unknown> | null;
  state: EventState;
  count: number;
  firstTime: number;
  lastTime: number;
  daemon: string;
  closedAt: number | null;
  closedBy: string | null;
}

export interface EventQuery {
  state?: EventState | 'active';
  minSeverity?: number;
  device?: string;
  limit?: number;
  offset?: number;
}

export interface EventStore {
  /**
   * Stores a batch exactly once (items at or below the daemon's mark are duplicates) and
   * advances the mark in the same transaction. `rejectedMaxSeq` is the highest sequence number
   * among items refused as malformed: they are acknowledged too, so they cannot wedge a spool.
   * With `after`, the batch continues the one whose last item was `after`: unless the mark has
   * reached it, HUB_ERR_OUT_OF_ORDER is thrown and nothing is stored (so a failed batch can never
   * be overtaken by the next one in flight, which would hide its items behind the mark).
   */
  ingestEvents(
    daemon: string,
    events: EventInput[],
    now: number,
    rejectedMaxSeq?: number,
    after?: number,
  ): IngestResult & { deduplicated: number; cleared: number };
  /** Raises or clears a hub-made event (heartbeats) outside any daemon stream. */
  raiseEvent(event: Omit<EventInput, 'seq'>, daemon: string, now: number): void;
  queryEvents(q: EventQuery): { total: number; events: StoredEvent[] };
  /** Rows in the console, and occurrences (rows plus every deduplicated repeat). */
  countEvents(): { rows: number; occurrences: number };
  /** Moves events to `acknowledged` or `closed`; answers how many changed. */
  setEventState(
    ids: number[],
    state: 'acknowledged' | 'closed' | 'open',
    by: string,
    now: number,
  ): number;
}

export interface MetricPoint {
  t: number;
  v: number;
}

export interface MetricQuery {
  device: string;
  metric: string;
  component?: string;
  from: number;
  to: number;
  /** Bucket width in ms: points are averaged into buckets when given. */
  step?: number;
  limit?: number;
}

export interface MetricStore {
  /** As ingestEvents, for metric samples. */
  ingestMetrics(
    daemon: string,
    samples: SampleInput[],
    now: number,
    rejectedMaxSeq?: number,
    after?: number,
  ): IngestResult;
  queryMetrics(q: MetricQuery): MetricPoint[];
  /** Series known for a device: (component, metric) pairs. */
  listSeries(device: string): { component: string; metric: string }[];
  /** Deletes a bounded amount of samples older than `before`; answers how many (0: nothing left). */
  purgeMetrics(before: number, limit: number): number;
  /** Moves up to `maxRows` freshly ingested samples into the query-friendly layout; answers how many. */
  compact(maxRows: number): number;
  countSamples(): number;
}

/** Everything the hub keeps. SQLite is the embedded default; others implement the same. */
export interface Store {
  readonly kind: string;
  readonly model: ModelStore;
  readonly events: EventStore;
  readonly metrics: MetricStore;
  /** The daemon's delivery high-water mark for `stream` (0 when none). */
  highWater(daemon: string, stream: 'events' | 'metrics'): number;
  /** Runs `fn` in one transaction: it commits when `fn` returns, and rolls back if it throws. */
  group<T>(fn: () => T): T;
  /** Inside `group`: runs `fn` in a savepoint, so that its failure undoes only its own writes. */
  savepoint<T>(fn: () => T): T;
  /** True when a trivial write commits: for readiness checks. */
  healthy(): boolean;
  close(): void;
}
