import { checkEventBody, checkSampleBody, InvalidItem, ZHubError } from '../shared/index.js';
import type { DaemonEvent } from './event-queue.js';

/** A sample as the spool keeps it. */
export interface SpooledSample {
  device: string;
  component: string;
  metric: string;
  value: number;
  timestamp: number;
}

function refuse(what: string, err: unknown, index?: number): never {
  if (!(err instanceof InvalidItem)) throw err;
  const at = index === undefined ? '' : ` (item ${index})`;
  throw new ZHubError('HUB_ERR_BAD_ARGUMENT', `${what}${at}: ${err.message}`, {
    data: { field: err.field, reason: err.reason, ...(index === undefined ? {} : { index }) },
  });
}

/**
 * The event collector code handed over, checked by the hub's rules (shared/telemetry-rules)
 * and normalised: over-long text truncated and marked. Throws HUB_ERR_BAD_ARGUMENT.
 */
export function checkedEvent(evt: DaemonEvent, now: number): DaemonEvent {
  if (evt === null || typeof evt !== 'object')
    throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'sendEvent takes an event object');
  let c;
  try {
    c = checkEventBody(evt, now);
  } catch (err) {
    refuse('sendEvent', err);
  }
  return {
    ...c.fields,
    device: c.device,
    component: c.component,
    eventClass: c.eventClass,
    eventKey: c.eventKey,
    severity: c.severity,
    summary: c.summary,
    message: c.message,
    ...(c.time === undefined ? {} : { time: c.time }),
  };
}

/** A sample checked by the hub's rules; a missing timestamp is `now`. Throws HUB_ERR_BAD_ARGUMENT. */
export function checkedSample(s: unknown, index: number, now: number): SpooledSample {
  if (s === null || typeof s !== 'object')
    throw new ZHubError(
      'HUB_ERR_BAD_ARGUMENT',
      `writeMetrics (item ${index}): not a sample object`,
    );
  try {
    return checkSampleBody(s as Record<string, unknown>, now);
  } catch (err) {
    refuse('writeMetrics', err, index);
  }
}
