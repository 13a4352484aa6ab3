/**
 * Every limit zhub enforces, with its default, in one place. Each queue or table named here has
 * a bound, an overflow policy (stated beside it) and a counter in the component that owns it.
 */
export interface RpcLimits {
  /** Largest frame accepted or sent, in bytes. Incoming: socket closed with 1009. Outgoing: that call fails with HUB_ERR_TOO_LARGE. */
  maxFrameBytes: number;
  /** Deepest nesting of a value; checked on the raw text before JSON parsing. Overflow: HUB_ERR_TOO_DEEP. */
  maxDepth: number;
  /** Calls a peer may have us serving at once; excess answered at once with HUB_ERR_TOO_MANY_CALLS. Also bounds our own pending calls. */
  maxInFlight: number;
  /** Objects one connection may export by reference. Overflow: the sending call fails with HUB_ERR_TOO_MANY_REFS. */
  maxExportedRefs: number;
  /** Bytes queued to a peer that stopped reading before the connection is closed (HUB_ERR_SEND_BUFFER_FULL). */
  maxSendBufferBytes: number;
  /**
   * Messages packed into one frame at most. A turn that makes more (the answers to a frame of
   * many calls) sends each full frame as it goes, so the peer starts on the first answers while
   * this side makes the rest: both ends of a busy connection work at once instead of in turn.
   */
  maxPackMessages: number;
  /** Default call deadline in ms; per-call overrides allowed. */
  callTimeoutMs: number;
  /** Time allowed for the peer's hello (protocol handshake). */
  handshakeTimeoutMs: number;
}

export const DEFAULT_RPC_LIMITS: Readonly<RpcLimits> = Object.freeze({
  maxFrameBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxInFlight: 1024,
  maxExportedRefs: 10_000,
  maxSendBufferBytes: 16 * 1024 * 1024,
  maxPackMessages: 64,
  callTimeoutMs: 30_000,
  handshakeTimeoutMs: 10_000,
});

export interface HubLimits {
  /** A connection that has not logged in by then is closed (HUB_ERR_LOGIN_TIMEOUT). */
  loginTimeoutMs: number;
  /** Failed logins allowed per (client address, user) within `loginFailureWindowMs` before HUB_ERR_RATE_LIMITED. */
  maxLoginFailures: number;
  /** Failed logins allowed per client address, whatever the user, within the same window. */
  maxLoginFailuresPerAddress: number;
  loginFailureWindowMs: number;
  /** Distinct addresses the failure limiter remembers; oldest forgotten first. */
  loginLimiterEntries: number;
  /** Failed logins on one connection before it is closed. */
  maxLoginFailuresPerConnection: number;
  /** Concurrent daemon connections; further upgrades are refused with 503. */
  maxConnections: number;
  /** WebSocket upgrades allowed per client address per second (a token bucket); excess refused with 429. */
  upgradesPerSecondPerAddress: number;
  /** Connections from one address that have not logged in yet; further upgrades refused with 429. */
  maxPendingLoginsPerAddress: number;
  /**
   * Admitted upgrades waiting for their turn (the hub takes one per turn of its event loop, so
   * a reconnect storm does not stall it); further upgrades refused with 503.
   */
  maxQueuedUpgrades: number;
  /** An upgrade that waited longer than this for its turn is refused with 503 instead. */
  upgradeQueueTimeoutMs: number;
  /** Time a client has to send its complete HTTP request headers (slowloris, silent sockets). */
  headersTimeoutMs: number;
}

export const DEFAULT_HUB_LIMITS: Readonly<HubLimits> = Object.freeze({
  loginTimeoutMs: 10_000,
  maxLoginFailures: 10,
  maxLoginFailuresPerAddress: 100,
  loginFailureWindowMs: 60_000,
  loginLimiterEntries: 10_000,
  maxLoginFailuresPerConnection: 3,
  maxConnections: 10_000,
  upgradesPerSecondPerAddress: 200,
  maxPendingLoginsPerAddress: 64,
  maxQueuedUpgrades: 2_000,
  upgradeQueueTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
});

export interface ClientLimits {
  /** Keep-alive ping interval and the time a ping may take before the hub is deemed gone. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Reconnect backoff: first delay, growth factor and cap (full jitter is applied). */
  reconnectBaseMs: number;
  reconnectFactor: number;
  reconnectMaxMs: number;
  /** Time allowed for one connect + handshake + login attempt. */
  connectTimeoutMs: number;
}

export const DEFAULT_CLIENT_LIMITS: Readonly<ClientLimits> = Object.freeze({
  pingIntervalMs: 10_000,
  pingTimeoutMs: 10_000,
  reconnectBaseMs: 500,
  reconnectFactor: 2,
  reconnectMaxMs: 30_000,
  connectTimeoutMs: 15_000,
});

/** Bounds of one page of the config pull (see DataLimits). */
export interface PageLimits {
  /** Whole devices in one page. */
  pullPageDevices: number;
  /** Bytes of device bodies in one page (a single larger device still goes alone). */
  pullPageBytes: number;
  /** Ids looked at for one page (unchanged devices travel as ids only). */
  pullPageIds: number;
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
  /** Audit log entries kept; past it the oldest are deleted. */
  maxAuditEntries: number;
}

export const DEFAULT_DATA_LIMITS: Readonly<DataLimits> = Object.freeze({
  maxBatchItems: 10_000,
  pushDelayMs: 200,
  pushBatchDevices: 500,
  maxPushBacklog: 64,
  maxIngestQueue: 10_000,
  maxDeadLetters: 10_000,
  maxAuditEntries: 100_000,
  pullPageDevices: 500,
  // Under V8's large-object size (about 128 KB) with the frame around it: a page's strings
  // then die young, and serving 100,000 devices causes no old-generation collections (with
  // 512 KiB pages the hub stalled up to 67-101 ms in them; with 96 KiB, 16 ms).
  pullPageBytes: 96 * 1024,
  pullPageIds: 5_000,
});

export interface RetentionOptions {
  /** Samples older than this are deleted (default 7 days). */
  metricsDays: number;
  /** How often a purge round runs (default 60 s). */
  everyMs: number;
  /** Work per transaction: rounds yield to the event loop between chunks (default 5,000). */
  chunk: number;
  /** How often fresh samples are compacted (default 5 s). */
  compactEveryMs: number;
  /** Samples compacted per transaction (default 100,000). */
  compactChunk: number;
}

export const DEFAULT_RETENTION: Readonly<RetentionOptions> = Object.freeze({
  metricsDays: 7,
  everyMs: 60_000,
  chunk: 5_000,
  compactEveryMs: 5_000,
  compactChunk: 100_000,
});

export interface SenderOptions {
  /** Items per batch (default 1,000). */
  batchSize: number;
  /** Batches awaiting acknowledgement at once (default 4). */
  maxInFlight: number;
  /** A partial batch waits at most this long for more items (default 1 s). */
  flushIntervalMs: number;
  /** Pause before sending again after a failed batch (default 1 s). */
  retryMs: number;
}

export const DEFAULT_SENDER: Readonly<SenderOptions> = Object.freeze({
  batchSize: 1_000,
  maxInFlight: 4,
  flushIntervalMs: 1_000,
  retryMs: 1_000,
});

/** A daemon's own timings and bounds (HubDaemonOptions, CollectorDaemonOptions, the spool). */
export interface DaemonLimits {
  /** Heartbeat period; the hub is told to expect the next within 3 periods. */
  heartbeatMs: number;
  /** Queued events go to the spool this often. */
  eventFlushMs: number;
  /** Samples wait at most this long in memory before one spool transaction. */
  sampleFlushMs: number;
  /** Collection tasks running at once; the rest wait in order. */
  maxConcurrent: number;
  /** Items the spool holds at most; past it the spool's overflow policy applies. */
  spoolMaxEntries: number;
  /** When the spool is full: `drop-oldest` (counted as dropped) or `block` (HUB_ERR_SPOOL_FULL, counted as refused). */
  spoolOverflow: 'drop-oldest' | 'block';
}

export const DEFAULT_DAEMON_LIMITS: Readonly<DaemonLimits> = Object.freeze({
  heartbeatMs: 60_000,
  eventFlushMs: 250,
  sampleFlushMs: 25,
  maxConcurrent: 500,
  spoolMaxEntries: 5_000_000,
  spoolOverflow: 'drop-oldest',
});

/**
 * Bounds of the tables zhub keeps in memory that are not options, each with its overflow
 * policy: none can grow with what a peer sends.
 */
export const TABLE_BOUNDS = Object.freeze({
  /** Event queue: clear states remembered to suppress repeated clears; the oldest forgotten. */
  eventClearStates: 100_000,
  /** Value processor: counters remembered for rates; the oldest forgotten (its next value starts afresh). */
  counterStates: 1_000_000,
  /** Samples staged in a daemon before one spool write; past it they are written at once. */
  stagedSamples: 5_000,
  /** Users file: successful logins remembered (to skip scrypt); the oldest forgotten. */
  rememberedLogins: 10_000,
  /** Refusals: daemons with refusal figures; the oldest forgotten. */
  refusalDaemons: 100_000,
  /** HTTP API: credentials checked recently; the oldest forgotten. */
  apiAuthCache: 1_000,
  /** Status page sessions; the oldest ended. */
  webSessions: 10_000,
  /** Stores: series ids cached; the cache is cleared when full. */
  seriesCache: 1_000_000,
});

/**
 * The lanes calls to worker-run service methods wait in, highest priority first: ZenHub's
 * worklist priorities (events, single-device modelling, other, config, modelling).
 */
export const LANE_NAMES = ['events', 'singleDevice', 'other', 'config', 'modelling'] as const;
export type LaneName = (typeof LANE_NAMES)[number];

export interface LaneLimits {
  /** Share of the workers when every lane has work (weighted round robin; never starved). */
  weight: number;
  /** Calls waiting at most; past it a call is answered HUB_ERR_BUSY (retryable), counted. */
  maxQueue: number;
  /** From arrival to answer; past it HUB_ERR_TIMEOUT, and a worker still busy with it is replaced. */
  deadlineMs: number;
}

export const DEFAULT_LANES: Readonly<Record<LaneName, Readonly<LaneLimits>>> = Object.freeze({
  events: { weight: 16, maxQueue: 10_000, deadlineMs: 60_000 },
  singleDevice: { weight: 8, maxQueue: 10_000, deadlineMs: 120_000 },
  other: { weight: 4, maxQueue: 10_000, deadlineMs: 120_000 },
  config: { weight: 2, maxQueue: 10_000, deadlineMs: 300_000 },
  modelling: { weight: 1, maxQueue: 10_000, deadlineMs: 600_000 },
});

export interface WorkerPoolLimits {
  /** Worker threads started on demand for worker lanes (0: every call runs on the hub's loop). */
  threads: number;
  /**
   * A worker is replaced after this many calls. ZenHub's zenhubworkers use 200, for heavy
   * calls in processes that leak; a zhub config pull is hundreds of page calls, and a new
   * worker costs its start-up (importing the service's modules), so the default is higher and
   * the heap bound is the main guard.
   */
  recycleAfterCalls: number;
  /** …or once its JavaScript heap is past this many MiB after a call. */
  recycleHeapMb: number;
  /** Added to the workers' CPU niceness (Linux): the hub's loop is served first. 0–19. */
  niceness: number;
  /** Time a new worker has to open its store and say it is ready. */
  startTimeoutMs: number;
}

export const DEFAULT_WORKER_POOL: Readonly<WorkerPoolLimits> = Object.freeze({
  threads: 2,
  recycleAfterCalls: 10_000,
  recycleHeapMb: 512,
  niceness: 10,
  startTimeoutMs: 30_000,
});
