import { TABLE_BOUNDS } from '../shared/index.js';
import type { DaemonEvent } from '../shared/index.js';

export type { DaemonEvent };

/** Clear keys remembered to suppress repeated clears; forgotten oldest first past this. */
const MAX_STATES = TABLE_BOUNDS.eventClearStates;

/**
 * ZenHub's event queue in front of the spool: duplicates raised before the next flush
 * collapse into one event with a `count`, and a clear for something already clear is not sent
 * again (the first clear after start always is: the hub may hold an open event from before).
 */
export class EventQueue {
  private pending = new Map<string, DaemonEvent & { count: number }>();
  /** clear key → last severity sent */
  private readonly states = new Map<string, number>();
  collapsed = 0;
  suppressedClears = 0;

  /** Queues `evt`; answers false when it was dropped as a repeated clear. */
  add(evt: DaemonEvent): boolean {
    const clearKey = JSON.stringify([
      evt.device,
      evt.component ?? '',
      evt.eventClass ?? '/Unknown',
      evt.eventKey ?? '',
    ]);
    const last = this.states.get(clearKey);
    if (evt.severity === 0 && last === 0) {
      this.suppressedClears++;
      return false;
    }
    this.states.delete(clearKey);
    this.states.set(clearKey, evt.severity);
    if (this.states.size > MAX_STATES)
      this.states.delete(this.states.keys().next().value as string);
    const fingerprint = `${clearKey}\u0000${evt.severity}`;
    const queued = this.pending.get(fingerprint);
    if (queued) {
      queued.count++;
      queued.summary = evt.summary;
      if (evt.message !== undefined) queued.message = evt.message;
      this.collapsed++;
    } else {
      this.pending.set(fingerprint, { ...evt, count: 1 });
    }
    return true;
  }

  /** Everything queued, in the order first raised; the queue is emptied. */
  take(): (DaemonEvent & { count: number })[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }

  get size(): number {
    return this.pending.size;
  }
}
