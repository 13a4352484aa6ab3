import type { EventInput } from '../model/telemetry.js';

type Ev = Omit<EventInput, 'seq'>;

/**
 * ZenHub's event identity, the same in every store: a clear (severity 0) closes the active
 * events with the same clear key; a raise deduplicates into the active event with the same
 * fingerprint (the clear key and the severity).
 */
export const clearKey = (e: Ev): string =>
  JSON.stringify([e.device, e.component, e.eventClass, e.eventKey]);

export const fingerprint = (e: Ev): string =>
  JSON.stringify([e.device, e.component, e.eventClass, e.eventKey, e.severity]);
