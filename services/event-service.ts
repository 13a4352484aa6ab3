import { checkEvent, type Caller, type EventInput } from '../hub/index.js';
import { ZHubError } from '../shared/index.js';
import { IngestService, type IngestKind } from './ingest-batch.js';
import { daemonKey } from './store-errors.js';

/**
 * Events and heartbeats from daemons. The daemon's identity comes from its session, never
 * from the batch. A batch is committed, then answered with the daemon's high-water mark: a
 * batch sent again after a lost answer is acknowledged again and stored once.
 */
export class EventService extends IngestService<EventInput> {
  static override serviceName = 'EventService';
  static withCaller = ['sendEvents', 'sendHeartbeat', 'getDeliveryMarks'];

  /**
   * `batch`: events `{ seq, device, component?, eventClass?, eventKey?, severity, summary,
   * message?, time?, ...free fields }`. Answers `{ ack, stored, duplicates, deduplicated,
   * cleared, rejected }`; malformed items are listed in `rejected` and acknowledged.
   */
  remote_sendEvents(caller: Caller, batch: unknown, options?: unknown): Promise<unknown> {
    return this.ingest(caller, batch, options);
  }

  protected readonly kind: IngestKind<EventInput> = {
    what: 'event',
    check: checkEvent,
    store: (daemon, items, now, rejectedMax, after) =>
      this.env.store.events.ingestEvents(daemon, items, now, rejectedMax, after),
  };

  /**
   * The daemon's high-water marks: everything up to them is stored. A daemon whose spool is
   * new (or was lost) numbers its items above these, or they would count as duplicates.
   */
  async remote_getDeliveryMarks(caller: Caller): Promise<{ events: number; metrics: number }> {
    this.env.claims.claim(caller);
    const key = daemonKey(caller);
    const [events, metrics] = await Promise.all([
      this.env.store.highWater(key, 'events'),
      this.env.store.highWater(key, 'metrics'),
    ]);
    return { events, metrics };
  }

  /** "I am alive for the next `timeoutSeconds`": missing the next one raises an event. */
  remote_sendHeartbeat(caller: Caller, timeoutSeconds: unknown = 900, figures?: unknown): boolean {
    if (
      typeof timeoutSeconds !== 'number' ||
      !Number.isFinite(timeoutSeconds) ||
      timeoutSeconds < 1 ||
      timeoutSeconds > 86_400
    ) {
      throw new ZHubError(
        'HUB_ERR_BAD_ARGUMENT',
        'sendHeartbeat(timeoutSeconds) takes 1 to 86400 seconds',
      );
    }
    this.env.heartbeats.beat(caller.daemon, timeoutSeconds, figures);
    return true;
  }
}
