import { ZHubError } from '../../shared/index.js';

/** An event as a daemon sends it. Fields beyond the known ones are kept in `fields`. */
export interface EventInput {
  /** The daemon's sequence number for this item (strictly increasing per daemon and stream). */
  seq: number;
  device: string;
  component: string;
  eventClass: string;
  eventKey: string;
  /** 0 clear, 1 debug, 2 info, 3 warning, 4 error, 5 critical. */
  severity: number;
  summary: string;
  message: string;
  /** When the event happened (ms); default: when the hub received it. */
  time: number | undefined;
  /** Occurrences this item stands for (a daemon collapses repeats before sending); default 1. */
  count: number;
  fields: Record<string, unknown> | undefined;
}

export interface SampleInput {
  seq: number;
  device: string;
  component: string;
  metric: string;
  value: number;
  /** ms since the epoch */
  timestamp: number;
}

export interface Rejected {
  seq: number | null;
  reason: string;
}

const KNOWN_EVENT_KEYS = new Set([
  'seq',
  'device',
  'component',
  'eventClass',
  'eventKey',
  'severity',
  'summary',
  'message',
  'time',
]);
const MAX_TEXT = 256;
const MAX_SUMMARY = 1024;
const MAX_MESSAGE = 16 * 1024;
/** Samples and events more than a day in the future are clock trouble, not data. */
const MAX_FUTURE_MS = 86_400_000;

function text(v: unknown, max: number, field: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || v.length > max)
    throw new Error(`${field} must be a string of at most ${max} characters`);
  return v;
}

function seqOf(o: Record<string, unknown>): number {
  const s = o.seq;
  if (!Number.isSafeInteger(s) || (s as number) < 1)
    throw new Error('seq must be a positive integer');
  return s as number;
}

/**
 * Checks a batch from the wire. Hand-written rather than a schema library: this runs for every
 * sample at hundreds of thousands per second. Bad items are returned in `rejected` (and
 * acknowledged, so one malformed item cannot wedge a daemon's spool); a batch that is not an
 * array of objects is refused whole.
 */
export function checkBatch<T>(
  batch: unknown,
  what: string,
  maxItems: number,
  check: (o: Record<string, unknown>, now: number) => T,
  now: number,
): { items: T[]; rejected: Rejected[]; maxSeq: number } {
  if (!Array.isArray(batch))
    throw new ZHubError('HUB_ERR_BAD_ARGUMENT', `${what} batch must be an array`);
  if (batch.length > maxItems) {
    throw new ZHubError(
      'HUB_ERR_BAD_ARGUMENT',
      `${what} batch of ${batch.length} exceeds ${maxItems} items`,
      {
        data: { limit: maxItems },
      },
    );
  }
  const items: T[] = [];
  const rejected: Rejected[] = [];
  let maxSeq = 0;
  for (const raw of batch) {
    const o = raw as Record<string, unknown>;
    const seq =
      o !== null && typeof o === 'object' && Number.isSafeInteger(o.seq) ? (o.seq as number) : null;
    if (seq !== null && seq > maxSeq) maxSeq = seq;
    try {
      if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('not an object');
      items.push(check(o, now));
    } catch (err) {
      rejected.push({ seq, reason: (err as Error).message });
    }
  }
  return { items, rejected, maxSeq };
}

export function checkEvent(o: Record<string, unknown>, now: number): EventInput {
  const severity = o.severity;
  if (!Number.isInteger(severity) || (severity as number) < 0 || (severity as number) > 5) {
    throw new Error('severity must be an integer from 0 (clear) to 5 (critical)');
  }
  const time = o.time;
  if (
    time !== undefined &&
    (typeof time !== 'number' || !Number.isFinite(time) || time > now + MAX_FUTURE_MS)
  ) {
    throw new Error('time must be ms since the epoch, not in the future');
  }
  let fields: Record<string, unknown> | undefined;
  for (const key of Object.keys(o)) {
    if (KNOWN_EVENT_KEYS.has(key)) continue;
    (fields ??= {})[key] = o[key];
  }
  const count = o.count ?? 1;
  if (!Number.isSafeInteger(count) || (count as number) < 1)
    throw new Error('count must be a positive integer');
  return {
    seq: seqOf(o),
    count: count as number,
    device: text(o.device, MAX_TEXT, 'device'),
    component: text(o.component, MAX_TEXT, 'component', ''),
    eventClass: text(o.eventClass, MAX_TEXT, 'eventClass', '/Unknown'),
    eventKey: text(o.eventKey, MAX_TEXT, 'eventKey', ''),
    severity: severity as number,
    summary: text(o.summary, MAX_SUMMARY, 'summary'),
    message: text(o.message, MAX_MESSAGE, 'message', ''),
    time: time,
    fields,
  };
}

export function checkSample(o: Record<string, unknown>, now: number): SampleInput {
  const value = o.value;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error('value must be a finite number');
  const ts = o.timestamp;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0 || ts > now + MAX_FUTURE_MS) {
    throw new Error('timestamp must be ms since the epoch, not in the future');
  }
  return {
    seq: seqOf(o),
    device: text(o.device, MAX_TEXT, 'device'),
    component: text(o.component, MAX_TEXT, 'component', ''),
    metric: text(o.metric, MAX_TEXT, 'metric'),
    value,
    timestamp: ts,
  };
}
