import { RemoteError, ZHubError } from '../errors.js';

/** How an error crosses the wire: an explicit record, never superjson's name+message. */
export interface ErrorRecord {
  type: string;
  parents: string[];
  message: string;
  code: string;
  retryable: boolean;
  data?: unknown;
  stack?: string;
}

const MAX_NAME = 200;
const MAX_PARENTS = 32;
const MAX_MESSAGE = 64 * 1024;

/** The record for `err`. The stack is included only when `withStack` (the operator's choice). */
export function toErrorRecord(err: unknown, withStack: boolean): ErrorRecord {
  if (!(err instanceof Error)) {
    return {
      type: err === null ? 'null' : typeof err,
      parents: [],
      message: String(err).slice(0, MAX_MESSAGE),
      code: 'HUB_ERR_REMOTE',
      retryable: false,
    };
  }
  let type: string;
  let parents: string[];
  if (err instanceof RemoteError) {
    // Passed on from a further hop: keep what the original thrower was.
    type = err.remoteType;
    parents = [...err.remoteParents];
  } else {
    const chain = classNames(err);
    type = chain[0] ?? 'Error';
    parents = chain.slice(1);
  }
  const record: ErrorRecord = {
    type,
    parents,
    message: String(err.message).slice(0, MAX_MESSAGE),
    code: errorCode(err),
    retryable: err instanceof ZHubError ? err.retryable : false,
  };
  // `data` crosses with a code: a ZHubError's, or a plain Error's given `code` and `data`
  // (the broker drops it if it cannot be encoded).
  const data = (err as Error & { data?: unknown }).data;
  if (data !== undefined && (err instanceof ZHubError || record.code !== 'HUB_ERR_REMOTE'))
    record.data = data;
  if (withStack && typeof err.stack === 'string') record.stack = err.stack;
  return record;
}

/** Rebuilds a RemoteError from a received record; a malformed record becomes HUB_ERR_BAD_MESSAGE. */
export function fromErrorRecord(raw: unknown, data: unknown): RemoteError {
  if (!isRecord(raw)) {
    return new RemoteError(
      'Error',
      [],
      'the peer sent a malformed error record',
      'HUB_ERR_BAD_MESSAGE',
    );
  }
  return new RemoteError(raw.type, raw.parents, raw.message, raw.code, {
    data,
    retryable: raw.retryable,
    ...(raw.stack === undefined ? {} : { remoteStack: raw.stack }),
  });
}

function isRecord(r: unknown): r is ErrorRecord {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  return (
    typeof o.type === 'string' &&
    o.type.length <= MAX_NAME &&
    Array.isArray(o.parents) &&
    o.parents.length <= MAX_PARENTS &&
    o.parents.every((p) => typeof p === 'string' && p.length <= MAX_NAME) &&
    typeof o.message === 'string' &&
    o.message.length <= MAX_MESSAGE &&
    typeof o.code === 'string' &&
    o.code.length <= MAX_NAME &&
    typeof o.retryable === 'boolean' &&
    (o.stack === undefined || typeof o.stack === 'string')
  );
}

/** The thrower's code: ZHubError's, or a string `code` such as Node's `ENOENT`. */
function errorCode(err: Error): string {
  if (err instanceof ZHubError) return err.code;
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.length <= MAX_NAME ? code : 'HUB_ERR_REMOTE';
}

/** Class names from the error's own class up to and including Error. */
function classNames(err: Error): string[] {
  const names: string[] = [];
  for (
    let p = Object.getPrototypeOf(err) as object | null;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    const ctor = Object.getOwnPropertyDescriptor(p, 'constructor')?.value as
      { name?: unknown } | undefined;
    if (typeof ctor?.name === 'string' && ctor.name) names.push(ctor.name);
    if (p === Error.prototype) break;
  }
  return names;
}
