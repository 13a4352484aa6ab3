import type {
  Collector,
  Device,
  DeviceInput,
  DevicePatch,
  ModelChange,
} from '../model/model-schemas.js';
import type { ModelChanges } from '../model/model-changes.js';
import type {
  DeviceDiff as DeviceDiffOf,
  TemplatePatch,
  TemplateRecord,
} from '../../shared/index.js';
import type { EventInput, SampleInput } from '../model/telemetry.js';

/** A value, or a promise of it: SQLite answers at once, PostgreSQL over the network. */
export type Awaitable<T> = T | Promise<T>;

/** The device model: collectors, devices, and per-collector generations. */
export interface ModelStore {
  listCollectors(): Awaitable<Collector[]>;
  getCollector(name: string): Awaitable<Collector | undefined>;
  /**
   * Adds the collector, or merges `properties` into an existing one's. `changed`: the stored
   * properties are different now (a merge that changes nothing bumps no generation).
   */
  putCollector(
    name: string,
    properties: Record<string, unknown>,
  ): Awaitable<{ collector: Collector; created: boolean; changed: boolean }>;
  /** Refuses (HUB_ERR_BAD_ARGUMENT) while devices still belong to it. */
  removeCollector(name: string): Awaitable<boolean>;

  getDevice(id: string): Awaitable<Device | undefined>;
  listDevices(q: {
    collector?: string;
    search?: string;
    offset?: number;
    limit?: number;
  }): Awaitable<{
    total: number;
    devices: Device[];
  }>;
  /**
   * Adds (`add`: refuses existing ids), replaces (`upsert`) or edits (`edit`: refuses unknown
   * ids) devices, all in one transaction: all or nothing. A device left exactly as it was is
   * not written again and is in no change (nothing is pushed for it).
   */
  putDevices(
    devices: DeviceInput[] | { id: string; patch: DevicePatch }[],
    mode: 'add' | 'upsert' | 'edit',
  ): Awaitable<ModelChange[]>;
  removeDevices(ids: string[]): Awaitable<ModelChange[]>;
  /** The pull diff for a collector (see ConfigService.getDeviceConfigs). */
  deviceDiff(collector: string, since: number, knownIds: readonly string[]): Awaitable<DeviceDiff>;
  /**
   * A collector's devices after `after` in id order, without their bodies: id, last change,
   * and for those changed at or after `since` the size of the stored body (the paged pull's
   * byte bound). Stops before the `maxChanged + 1`-th changed one, after `limit` in all, and
   * may stop once the changed ones passed `maxBytes` (the page takes no more anyway). `end`:
   * no device of the collector comes after the last one answered.
   */
  deviceStamps(
    collector: string,
    after: string,
    since: number,
    maxChanged: number,
    limit: number,
    maxBytes: number,
  ): Awaitable<{ stamps: DeviceStamp[]; end: boolean }>;
  /**
   * The devices with these ids that still exist, in id order, each as the JSON text of a
   * {@link Device} (built from the stored JSON bodies, never parsed: the paged pull sends it on).
   */
  deviceTexts(ids: readonly string[]): Awaitable<DeviceText[]>;
  /** Ids and generations only: for resynchronising after missed notifications. */
  generations(): Awaitable<Map<string, number>>;
}

export interface DeviceText {
  id: string;
  collector: string;
  /** The device as JSON, the same fields in the same order as a Device. */
  json: string;
}

export interface DeviceStamp {
  id: string;
  updatedAt: number;
  /** Bytes of the stored properties and datasources (about the size on the wire); 0 when unchanged. */
  bytes: number;
}

/** The whole-diff pull as the store answers it (devices with their stamps). */
export type DeviceDiff = DeviceDiffOf<Device>;

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
   * With `spool` (the key of the daemon's spool, `user:name#instance`), that spool's own mark
   * is advanced with the daemon's, in the same transaction.
   */
  ingestEvents(
    daemon: string,
    events: EventInput[],
    now: number,
    rejectedMaxSeq?: number,
    after?: number,
    spool?: string,
  ): Awaitable<IngestResult & { deduplicated: number; cleared: number }>;
  /** Raises or clears a hub-made event (heartbeats) outside any daemon stream. */
  raiseEvent(event: Omit<EventInput, 'seq'>, daemon: string, now: number): Awaitable<void>;
  queryEvents(q: EventQuery): Awaitable<{ total: number; events: StoredEvent[] }>;
  /** Rows in the console, and occurrences (rows plus every deduplicated repeat). */
  countEvents(): Awaitable<{ rows: number; occurrences: number }>;
  /** Moves events to `acknowledged` or `closed`; answers how many changed. */
  setEventState(
    ids: number[],
    state: 'acknowledged' | 'closed' | 'open',
    by: string,
    now: number,
  ): Awaitable<number>;
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
    spool?: string,
  ): Awaitable<IngestResult>;
  queryMetrics(q: MetricQuery): Awaitable<MetricPoint[]>;
  /** Series known for a device: (component, metric) pairs. */
  listSeries(device: string): Awaitable<{ component: string; metric: string }[]>;
  /** Deletes a bounded amount of samples older than `before`; answers how many (0: nothing left). */
  purgeMetrics(before: number, limit: number): Awaitable<number>;
  /** Moves up to `maxRows` freshly ingested samples into the query-friendly layout; answers how many. */
  compact(maxRows: number): Awaitable<number>;
  countSamples(): Awaitable<number>;
}

/** A daemon as a store shared by several hubs knows it (for the status of the whole fleet). */
export interface FleetMember {
  key: string;
  daemon: string;
  user: string;
  type: string;
  monitor: string;
  address: string;
  /** The hub process it is (or was last) connected to. */
  hub: string;
  connected: boolean;
  connectedSince: number | null;
  leftAt: number | null;
  lastBeat: number | null;
  timeoutMs: number | null;
  figures: Record<string, number>;
}

/**
 * Daemon status and heartbeats kept in a store shared by several hubs, so any hub's status
 * shows the whole fleet and a heartbeat-missing event is raised once, by whichever hub looks
 * first, however the daemon moved between hubs.
 */
export interface FleetStore {
  joined(m: Omit<FleetMember, 'leftAt' | 'lastBeat' | 'timeoutMs' | 'figures'>): Promise<void>;
  /** The daemon left `hub` (ignored when it has meanwhile joined another). */
  left(key: string, hub: string, now: number): Promise<void>;
  /** Records a heartbeat; answers whether the daemon had been marked missing. */
  beat(
    daemon: string,
    timeoutMs: number,
    figures: Record<string, number>,
    now: number,
  ): Promise<boolean>;
  /** Marks overdue daemons missing and answers them: each one to exactly one caller. */
  overdue(now: number): Promise<{ daemon: string; timeoutMs: number }[]>;
  list(limit: number): Promise<FleetMember[]>;
}

/** Where ingest writes go. A write is durable when its promise resolves, never before. */
export interface WriterStats {
  commits: number;
  /** Writes committed. */
  jobs: number;
  /** Most writes in one commit. */
  largest: number;
  failedCommits: number;
}

export interface IngestWriter {
  submit<T>(work: () => Awaitable<T>): Promise<T>;
  readonly stats: WriterStats;
  /** False after a commit failed, until one succeeds: the hub reports itself unready. */
  readonly healthy: boolean;
  /** Writes waiting or running. */
  readonly queued: number;
  /** Starts what is waiting now (at shutdown). */
  flushNow(): void;
}

export interface WriterOptions {
  /** Writes waiting at most; past it `submit` is refused with `onFull()`'s error. */
  maxQueued: number;
  onFull: () => Error;
  onCommit?: (seconds: number, ok: boolean) => void;
  /** Told of every failure of the store itself (not zhub's refusals): the hub logs it. */
  onStoreError?: (err: unknown) => void;
}

/** An item the hub refused and acknowledged: kept so that its loss is never silent. */
export interface DeadLetter {
  id: number;
  /** Hub time of the refusal (ms). */
  at: number;
  /** The daemon's key (`user:name`). */
  daemon: string;
  kind: 'event' | 'sample';
  seq: number | null;
  /** The reason code (REFUSAL_REASONS). */
  reason: string;
  /** What was wrong, naming the field. */
  message: string;
  /** The item as it arrived, JSON (clipped to DEAD_LETTER_ITEM_CHARS). */
  item: string;
}

export type NewDeadLetter = Omit<DeadLetter, 'id'>;

/** The largest item text kept in a dead letter; longer ones are clipped (and say so). */
export const DEAD_LETTER_ITEM_CHARS = 64 * 1024;

/**
 * The bounded dead-letter store. Overflow policy: the oldest letters are deleted past
 * `max` (the hub counts them in zhub_dead_letters_evicted_total).
 */
export interface DeadLetterStore {
  /**
   * Keeps the letters (one per daemon, kind and seq: a batch sent again adds nothing) and
   * deletes the oldest past `max`. Answers which letters were new (by position) and how many
   * old ones were deleted. Runs inside the ingest write of the batch, so a letter is kept
   * before its item is acknowledged.
   */
  add(
    letters: readonly NewDeadLetter[],
    max: number,
  ): Awaitable<{ fresh: boolean[]; evicted: number }>;
  /** Newest first, without the items. */
  list(q: {
    daemon?: string;
    limit?: number;
    offset?: number;
  }): Awaitable<{ total: number; letters: Omit<DeadLetter, 'item'>[] }>;
  get(id: number): Awaitable<DeadLetter | undefined>;
}

/** One change an operator made (a device, a collector, an event's state, the users). */
export interface AuditEntry {
  id: number;
  /** Hub time (ms). */
  at: number;
  /** Who: the authenticated user, or `users-file` for a reload of the users file. */
  user: string;
  /** What: `POST /api/devices`, `users removed`… */
  action: string;
  /** Which: a device id, a collector name, event ids, user names. */
  target: string;
  /** The request's body or the change, JSON, clipped to AUDIT_DETAIL_CHARS. */
  detail: string;
}

/** Monitoring templates (see TemplateRecord). */
export interface TemplateStore {
  list(): Awaitable<TemplateRecord[]>;
  get(name: string): Awaitable<TemplateRecord | undefined>;
  /**
   * Adds (`add`: refuses an existing name, HUB_ERR_CONFLICT), replaces (`upsert`) or edits
   * (`edit`: refuses an unknown one, HUB_ERR_NOT_FOUND) templates, all in one transaction.
   * Answers the templates written (one left exactly as it was is not written again).
   */
  put(
    templates: TemplateFields[] | { name: string; patch: TemplatePatch }[],
    mode: 'add' | 'upsert' | 'edit',
  ): Awaitable<TemplateRecord[]>;
  /** Refuses (HUB_ERR_CONFLICT) while a device or collector binds it; false when unknown. */
  remove(name: string): Awaitable<boolean>;
  /** Devices and collectors whose zDeviceTemplates name the template. */
  bound(name: string): Awaitable<{ devices: number; collectors: number }>;
}

/** A template's stored fields. */
export type TemplateFields = Omit<TemplateRecord, 'updatedAt'>;

/** The longest audit detail kept; longer ones are clipped (and say so). */
export const AUDIT_DETAIL_CHARS = 4096;

/** The audit log: bounded, the oldest entries deleted past `max`. */
export interface AuditStore {
  add(entry: Omit<AuditEntry, 'id'>, max: number): Awaitable<void>;
  /** Newest first; `user` filters by who. */
  list(q: { user?: string; limit?: number; offset?: number }): Awaitable<{
    total: number;
    entries: AuditEntry[];
  }>;
}

/** Everything the hub keeps. SQLite is the embedded default; PostgreSQL is shared by several hubs. */
export interface Store {
  readonly kind: string;
  readonly model: ModelStore;
  readonly events: EventStore;
  readonly metrics: MetricStore;
  readonly deadLetters: DeadLetterStore;
  readonly audit: AuditStore;
  readonly templates: TemplateStore;
  /** The daemon's delivery high-water mark for `stream` (0 when none). */
  highWater(daemon: string, stream: 'events' | 'metrics'): Awaitable<number>;
  /**
   * The writer ingest goes through: SQLite groups the batches of one turn into one transaction
   * (group commit); PostgreSQL gives each batch its own transaction on a pooled connection.
   */
  writer(options: WriterOptions): IngestWriter;
  /**
   * A store shared by several hubs tells the others about this hub's model changes and
   * relays theirs into `changes` (PostgreSQL: LISTEN/NOTIFY). Absent for a store of one hub.
   */
  watchModel?(changes: ModelChanges): Promise<unknown>;
  /** Fleet status shared by several hubs; absent for a store of one hub (kept in memory). */
  readonly fleet?: FleetStore;
  /** True when a trivial write commits: for readiness checks. */
  healthy(): Awaitable<boolean>;
  /**
   * How a worker thread opens a connection of its own to this store (worker lanes); absent
   * or undefined when it cannot (an in-memory store).
   */
  workerSpec?(): WorkerStoreSpec | undefined;
  close(): Awaitable<void>;
}

/** What a worker thread needs to open its own connection to the hub's store. */
export type WorkerStoreSpec =
  { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string; schema: string };
