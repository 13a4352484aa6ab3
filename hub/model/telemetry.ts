import {
  checkEventBody,
  checkSampleBody,
  InvalidItem,
  ZHubError,
  type CheckedEvent,
  type CheckedSample,
  type RefusalReason,
} from '../../shared/index.js';

/** An event as a daemon sends it (checked): the rules' fields and the daemon's `seq`. */
export interface EventInput extends CheckedEvent {
  /** The daemon's sequence number for this item (strictly increasing per daemon and stream). */
  seq: number;
}

export interface SampleInput extends CheckedSample {
  seq: number;
}

export interface Rejected {
  seq: number | null;
  /** A code from REFUSAL_REASONS ('bad_severity', ...): labels the refusal counters. */
  code: RefusalReason;
  reason: string;
}

/** A refused item as the hub keeps it: the rejection and the item itself. */
export interface RefusedItem extends Rejected {
  item: unknown;
}

function seqOf(o: Record<string, unknown>): number {
  const s = o.seq;
  if (!Number.isSafeInteger(s) || (s as number) < 1)
    throw new InvalidItem('bad_seq', 'seq', 'seq must be a positive integer');
  return s as number;
}

/**
 * Checks a batch from the wire. Hand-written rather than a schema library: this runs for every
 * sample at hundreds of thousands per second. Bad items are returned in `rejected` with the
 * item (and acknowledged, so one malformed item cannot wedge a daemon's spool; the hub keeps
 * them as dead letters); a batch that is not an array is refused whole.
 */
export function checkBatch<T>(
  batch: unknown,
  what: string,
  maxItems: number,
  check: (o: Record<string, unknown>, now: number) => T,
  now: number,
): { items: T[]; rejected: RefusedItem[]; maxSeq: number } {
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
  const rejected: RefusedItem[] = [];
  let maxSeq = 0;
  for (const raw of batch) {
    const o = raw as Record<string, unknown>;
    const seq =
      o !== null && typeof o === 'object' && Number.isSafeInteger(o.seq) ? (o.seq as number) : null;
    if (seq !== null && seq > maxSeq) maxSeq = seq;
    try {
      if (o === null || typeof o !== 'object' || Array.isArray(o))
        throw new InvalidItem('not_object', '', 'not an object');
      items.push(check(o, now));
    } catch (err) {
      const code = err instanceof InvalidItem ? err.reason : 'bad_field';
      rejected.push({ seq, code, reason: (err as Error).message, item: raw });
    }
  }
  return { items, rejected, maxSeq };
}

/** An event from the wire (see shared/telemetry-rules): over-long text truncated and marked. */
export function checkEvent(o: Record<string, unknown>, now: number): EventInput {
  return { seq: seqOf(o), ...checkEventBody(o, now) };
}

export function checkSample(o: Record<string, unknown>, now: number): SampleInput {
  return { seq: seqOf(o), ...checkSampleBody(o, now) };
}
