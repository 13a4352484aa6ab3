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
  callTimeoutMs: 30_000,
  handshakeTimeoutMs: 10_000,
});

export interface HubLimits {
  /** A connection that has not logged in by then is closed (HUB_ERR_LOGIN_TIMEOUT). */
  loginTimeoutMs: number;
  /** Failed logins allowed per client address within `loginFailureWindowMs` before HUB_ERR_RATE_LIMITED. */
  maxLoginFailures: number;
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
  /** Time a client has to send its complete HTTP request headers (slowloris, silent sockets). */
  headersTimeoutMs: number;
}

export const DEFAULT_HUB_LIMITS: Readonly<HubLimits> = Object.freeze({
  loginTimeoutMs: 10_000,
  maxLoginFailures: 10,
  loginFailureWindowMs: 60_000,
  loginLimiterEntries: 10_000,
  maxLoginFailuresPerConnection: 3,
  maxConnections: 10_000,
  upgradesPerSecondPerAddress: 200,
  maxPendingLoginsPerAddress: 64,
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
