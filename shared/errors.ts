/**
 * zhub's error base and the table of every error code.
 *
 * Every code in {@link ERROR_CODES} is documented in docs/errors.md; a test keeps the two in
 * step. Errors derived from {@link ZHubError} are *expected conditions*: the hub does not log
 * them as crashes.
 */

import { brandAcrossCopies } from './brand.js';

/** Every stable error code zhub produces, with a one-line meaning (the docs say more). */
export const ERROR_CODES = {
  HUB_ERR_NO_SUCH_METHOD: 'The target has no remote method of that name.',
  HUB_ERR_NO_SUCH_OBJECT: 'The call named a reference id the receiver never exported.',
  HUB_ERR_DEAD_REFERENCE: 'The reference belongs to a connection that has closed.',
  HUB_ERR_CONNECTION_LOST: 'The connection closed while the call was pending.',
  HUB_ERR_NOT_CONNECTED: 'The client is between connections; nothing was sent.',
  HUB_ERR_TIMEOUT: 'No answer arrived before the call deadline.',
  HUB_ERR_TOO_LARGE: 'The encoded call or answer exceeds the frame size limit.',
  HUB_ERR_TOO_DEEP: 'A value nests deeper than the depth limit.',
  HUB_ERR_TOO_MANY_CALLS: 'Too many calls are in flight on this connection.',
  HUB_ERR_TOO_MANY_REFS: 'The connection exports the maximum number of references.',
  HUB_ERR_NOT_COPYABLE: 'A value of a type that cannot cross the wire was sent.',
  HUB_ERR_UNKNOWN_COPYABLE: 'A copy tag arrived that the receiver has not registered.',
  HUB_ERR_BAD_MESSAGE: 'A message arrived whose payload is malformed or hostile.',
  HUB_ERR_PROTOCOL: 'The peer broke the framing protocol; the connection is closed.',
  HUB_ERR_PROTOCOL_VERSION: 'The peer speaks another protocol version.',
  HUB_ERR_SEND_BUFFER_FULL: 'The peer stopped reading; the connection was closed.',
  HUB_ERR_AUTH_FAILED: 'Unknown user or wrong password.',
  HUB_ERR_RATE_LIMITED: 'Too many failed logins; wait before trying again.',
  HUB_ERR_ALREADY_LOGGED_IN: 'This connection has already logged in.',
  HUB_ERR_LOGIN_TIMEOUT: 'The connection did not log in in time and was closed.',
  HUB_ERR_NO_SUCH_SERVICE: 'No service of that name is registered on the hub.',
  HUB_ERR_NO_SUCH_MONITOR: 'No monitor (collector) of that name is known to the hub.',
  HUB_ERR_BAD_ARGUMENT: 'An argument has the wrong type or value.',
  HUB_ERR_REMOTE: 'The remote side raised an error that carried no code of its own.',
  HUB_ERR_TOO_MANY_CONNECTIONS: 'The hub holds its maximum number of daemon connections.',
  HUB_ERR_SHUTTING_DOWN: 'The hub is shutting down and accepts no new work.',
  HUB_ERR_SUPERSEDED: 'Another connection logged in with the same user and daemon name.',
  HUB_ERR_DUPLICATE_DAEMON:
    'Another live daemon with its own spool delivers under this daemon name; this one is refused.',
  HUB_ERR_CONFIG: 'The configuration or a command-line option is invalid.',
  HUB_ERR_SERVICE_LOAD: 'A service module could not be loaded or registered.',
  HUB_ERR_STORE_SCHEMA: 'The store holds a schema newer than this zhub knows.',
  HUB_ERR_STORE:
    'The store could not commit (disk full, read-only, locked); nothing was acknowledged.',
  HUB_ERR_OUT_OF_ORDER:
    'A batch arrived before the batch it follows was stored; nothing of it was stored.',
  HUB_ERR_SPOOL_FULL: 'The daemon spool is full and its overflow policy is to block collection.',
  HUB_ERR_SPOOL: 'The daemon spool file cannot be opened (damaged, not a database, unreadable).',
  HUB_ERR_NOT_FOUND: 'The device, collector or event named does not exist.',
  HUB_ERR_CONFLICT:
    'The change conflicts with what exists (a duplicate id, a collector still in use).',
  HUB_ERR_USERS_FILE: 'The users (credentials) file is unreadable or malformed.',
  HUB_ERR_FORBIDDEN: "The user's role does not allow this (an HTTP route, a service, a monitor).",
  HUB_ERR_CREDENTIALS_REVOKED:
    "The session's user was removed or its password changed; the session was closed.",
  HUB_ERR_BUSY: "The call's lane holds its maximum of waiting calls; nothing was run.",
  HUB_ERR_WORKER_DIED: 'The worker thread running the call died; the call may not have finished.',
  HUB_ERR_LOOP_ONLY:
    "A service running in a worker lane used what exists only on the hub's loop (claims, ingest, heartbeats).",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes a caller may retry after a pause without changing anything. */
const RETRYABLE: ReadonlySet<string> = new Set<ErrorCode>([
  'HUB_ERR_CONNECTION_LOST',
  'HUB_ERR_NOT_CONNECTED',
  'HUB_ERR_TIMEOUT',
  'HUB_ERR_TOO_MANY_CALLS',
  'HUB_ERR_RATE_LIMITED',
  'HUB_ERR_SHUTTING_DOWN',
  'HUB_ERR_TOO_MANY_CONNECTIONS',
  'HUB_ERR_DEAD_REFERENCE',
  'HUB_ERR_STORE',
  'HUB_ERR_OUT_OF_ORDER',
  'HUB_ERR_SPOOL_FULL',
  'HUB_ERR_DUPLICATE_DAEMON',
  'HUB_ERR_BUSY',
  'HUB_ERR_WORKER_DIED',
]);

export interface ZHubErrorOptions {
  /** Structured detail for the caller; must be plain data (it crosses the wire). */
  data?: unknown;
  /** Overrides the default retryability of the code. */
  retryable?: boolean;
  cause?: unknown;
}

/** The one error base of zhub. `code` is stable; `message` is for people. */
export class ZHubError extends Error {
  readonly code: string;
  readonly data: unknown;
  readonly retryable: boolean;

  constructor(code: ErrorCode | (string & {}), message: string, options: ZHubErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
  }

  override get name(): string {
    return this.constructor.name;
  }
}
// A ZHubError thrown by a service module that imports its own copy of zhub keeps its code.
brandAcrossCopies(ZHubError, 'ZHubError');

/**
 * An exception raised on the other side of a connection.
 * `remoteType` is the remote class name, `remoteParents` its ancestors' names, so that
 * `err.is('TypeError')` works as PB's `failure.check` does.
 */
export class RemoteError extends ZHubError {
  readonly remoteType: string;
  readonly remoteParents: readonly string[];
  readonly remoteStack: string | undefined;

  constructor(
    remoteType: string,
    remoteParents: readonly string[],
    message: string,
    code: string,
    options: ZHubErrorOptions & { remoteStack?: string } = {},
  ) {
    super(code, message, options);
    this.remoteType = remoteType;
    this.remoteParents = remoteParents;
    this.remoteStack = options.remoteStack;
  }

  /** True when the remote error was of type `typeName` or a subclass of it. */
  is(typeName: string): boolean {
    return this.remoteType === typeName || this.remoteParents.includes(typeName);
  }
}

/** True for an error that zhub itself raises on purpose (not a crash). */
export function isExpectedError(err: unknown): err is ZHubError {
  return err instanceof ZHubError;
}
