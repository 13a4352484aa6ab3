/**
 * What makes an event or a metric sample valid, in one place for both sides: the daemon checks
 * an item when collector code hands it over (and throws there, where the author sees it), the
 * hub checks every item again when it arrives (anything can write to a socket).
 *
 * Over-long text is truncated the Zenoss way rather than refused: `summary` to
 * {@link TELEMETRY_LIMITS.maxSummary} characters and `message` to `maxMessage`, the event
 * marked with `truncated: [field names]`; a truncated summary is kept whole in an empty
 * message. What can never be valid (no device, a severity of 7, a value that is not a number,
 * an identity field past `maxName`) is refused with a reason code.
 */

/** The lengths zhub enforces (characters). Identity fields are never truncated: they key events. */
export const TELEMETRY_LIMITS = Object.freeze({
  /** device, component, eventClass, eventKey, metric. Longer: refused (`bad_field`). */
  maxName: 256,
  /** summary. Longer: truncated, marked. */
  maxSummary: 1024,
  /** message. Longer: truncated, marked. */
  maxMessage: 16 * 1024,
  /** Times (event `time`, sample `timestamp`) more than this ahead of the clock: refused. */
  maxFutureMs: 86_400_000,
});

/** Why an item is refused: a small fixed set, so it can label a metric. */
export const REFUSAL_REASONS = [
  'not_object',
  'bad_seq',
  'bad_field',
  'bad_severity',
  'bad_time',
  'bad_count',
  'bad_value',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** An item that can never be stored: `reason` is the code, the message names the field. */
export class InvalidItem extends Error {
  override readonly name = 'InvalidItem';
  constructor(
    readonly reason: RefusalReason,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The fields an event has besides free ones. */
export const EVENT_KEYS: ReadonlySet<string> = new Set([
  'seq',
  'device',
  'component',
  'eventClass',
  'eventKey',
  'severity',
  'summary',
  'message',
  'time',
  'count',
]);

export interface CheckedEvent {
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
  /** Free fields (anything not above), with `truncated` when text was cut. */
  fields: Record<string, unknown> | undefined;
}

export interface CheckedSample {
  device: string;
  component: string;
  metric: string;
  value: number;
  /** ms since the epoch */
  timestamp: number;
}

function name(v: unknown, field: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (
    typeof v !== 'string' ||
    v.length > TELEMETRY_LIMITS.maxName ||
    (fallback === undefined && v === '')
  )
    throw new InvalidItem(
      'bad_field',
      field,
      `${field} must be a ${fallback === undefined ? 'non-empty ' : ''}string of at most ${TELEMETRY_LIMITS.maxName} characters`,
    );
  return v;
}

/** `text` cut to `max` characters, the last one an ellipsis (never half a surrogate pair). */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/** Checks and normalises an event (without its `seq`); throws {@link InvalidItem}. */
export function checkEventBody(o: Record<string, unknown>, now: number): CheckedEvent {
  const severity = o.severity;
  if (!Number.isInteger(severity) || (severity as number) < 0 || (severity as number) > 5)
    throw new InvalidItem(
      'bad_severity',
      'severity',
      'severity must be an integer from 0 (clear) to 5 (critical)',
    );
  const time = o.time;
  if (
    time !== undefined &&
    (typeof time !== 'number' ||
      !Number.isFinite(time) ||
      time < 0 ||
      time > now + TELEMETRY_LIMITS.maxFutureMs)
  )
    throw new InvalidItem('bad_time', 'time', 'time must be ms since the epoch, not in the future');
  const count = o.count ?? 1;
  if (!Number.isSafeInteger(count) || (count as number) < 1)
    throw new InvalidItem('bad_count', 'count', 'count must be a positive integer');
  if (typeof o.summary !== 'string')
    throw new InvalidItem('bad_field', 'summary', 'summary must be a string');
  if (o.message !== undefined && typeof o.message !== 'string')
    throw new InvalidItem('bad_field', 'message', 'message must be a string');
  let fields: Record<string, unknown> | undefined;
  for (const key of Object.keys(o)) {
    if (EVENT_KEYS.has(key)) continue;
    (fields ??= {})[key] = o[key];
  }
  const truncated: string[] = [];
  let summary = o.summary;
  let message = o.message ?? '';
  if (summary.length > TELEMETRY_LIMITS.maxSummary) {
    // As Zenoss does: the summary is cut, and the whole text is kept in an empty message.
    if (message === '') message = summary;
    summary = truncateText(summary, TELEMETRY_LIMITS.maxSummary);
    truncated.push('summary');
  }
  if (message.length > TELEMETRY_LIMITS.maxMessage) {
    message = truncateText(message, TELEMETRY_LIMITS.maxMessage);
    truncated.push('message');
  }
  if (truncated.length > 0) (fields ??= {}).truncated = truncated;
  return {
    device: name(o.device, 'device'),
    component: name(o.component, 'component', ''),
    eventClass: name(o.eventClass, 'eventClass', '/Unknown'),
    eventKey: name(o.eventKey, 'eventKey', ''),
    severity: severity as number,
    summary,
    message,
    time: time,
    count: count as number,
    fields,
  };
}

/** Checks a sample (without its `seq`); a missing timestamp is `now`. Throws {@link InvalidItem}. */
export function checkSampleBody(o: Record<string, unknown>, now: number): CheckedSample {
  const value = o.value;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new InvalidItem('bad_value', 'value', 'value must be a finite number');
  const ts = o.timestamp ?? now;
  if (
    typeof ts !== 'number' ||
    !Number.isFinite(ts) ||
    ts < 0 ||
    ts > now + TELEMETRY_LIMITS.maxFutureMs
  )
    throw new InvalidItem(
      'bad_time',
      'timestamp',
      'timestamp must be ms since the epoch, not in the future',
    );
  return {
    device: name(o.device, 'device'),
    component: name(o.component, 'component', ''),
    metric: name(o.metric, 'metric'),
    value,
    timestamp: ts,
  };
}
