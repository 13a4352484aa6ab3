import type { DeliveryMarks, Logger } from '../../shared/index.js';
import type { Spool } from './spool.js';

/**
 * Lines the spool up with what the hub has stored, before anything is sent. The hub answers
 * the marks of this daemon's name (everything up to them is stored, from whichever spool)
 * and those of this spool alone:
 *
 * - This spool delivered last (its marks are the name's): it learns what the hub stored
 *   (items whose acknowledgement was lost are dropped, never sent twice) — unless the marks
 *   are above every number it had when its current runs began: then it is a restored or
 *   copied spool, whose items up to there reached the hub from the original, and whose
 *   later items are numbered afresh above the marks.
 * - Another spool delivered since, or this one never did: what the hub stored of this
 *   spool's is dropped, and the rest is numbered above the name's marks. Nothing else is
 *   deleted, and nothing is hidden behind the other spool's numbers.
 */
export function lineUpSpool(spool: Spool, marks: DeliveryMarks, log: Logger): void {
  const top = Math.max(marks.events, marks.metrics);
  const none = { events: 0, metrics: 0 };
  // Without the spool's own marks (a hub from before them, or a spool from before ids that
  // has not delivered since), a synced spool takes the name's marks for its own, as before.
  const own =
    marks.spool === undefined ||
    (spool.legacy && marks.spool.events === 0 && marks.spool.metrics === 0)
      ? spool.synced
        ? marks
        : none
      : marks.spool;
  const owner = own.events === marks.events && own.metrics === marks.metrics && top > 0;
  const from = spool.pendingFrom;
  // The hub holds more of this spool than it had numbered when its current runs began.
  const restored = from !== undefined && Math.max(own.events, own.metrics) > from;
  if (owner && spool.synced && !restored) {
    for (const stream of ['events', 'metrics'] as const) {
      const mine = spool.lastAck(stream);
      if (mine < marks[stream]) spool.ack(stream, marks[stream]);
      else if (mine > marks[stream]) {
        log.error(
          { stream, hub: marks[stream], acknowledged: mine },
          'the hub holds less than it acknowledged',
        );
        spool.resetAck(stream, marks[stream]);
      }
    }
  } else {
    // What the hub stored of this spool's own items goes; the rest is numbered above the marks.
    for (const stream of ['events', 'metrics'] as const) {
      const stored = restored ? Math.min(from, own[stream]) : own[stream];
      if (stored > 0) spool.ack(stream, stored);
    }
    const pending = spool.depth();
    if (top > 0 || !spool.synced) spool.ensureAbove(top);
    for (const stream of ['events', 'metrics'] as const) spool.resetAck(stream, top);
    if (spool.synced && top > 0)
      log.warn(
        { restored, pending, renumberedAbove: top },
        restored
          ? "this spool is older than what the hub holds from it (restored or copied): its newer items are numbered above the hub's marks"
          : "another spool delivered under this daemon name since: this spool's items are numbered above its marks",
      );
    spool.markSynced();
  }
  spool.markRunSynced();
}
