import { checkEvent, daemonKey, instanceKey, type Caller, type EventInput } from '../hub/index.js';
import { EventContract } from '../shared/index.js';
import { IngestService, type BatchOptions, type IngestKind } from './ingest-batch.js';

/**
 * Events and heartbeats from daemons. The daemon's identity comes from its session, never
 * from the batch. A batch is committed, then answered with the daemon's high-water mark: a
 * batch sent again after a lost answer is acknowledged again and stored once.
 */
export class EventService extends IngestService<EventInput> {
  // Worker threads import the service from here (see HubService.moduleUrl).
  static override moduleUrl = import.meta.url;
  static override contract = EventContract;
  static withCaller = ['sendEvents', 'sendHeartbeat', 'getDeliveryMarks'];

  /**
   * `batch`: events `{ seq, device, component?, eventClass?, eventKey?, severity, summary,
   * message?, time?, ...free fields }`. Answers `{ ack, stored, duplicates, deduplicated,
   * cleared, rejected }`; malformed items are listed in `rejected` and acknowledged.
   */
  remote_sendEvents(caller: Caller, batch: unknown[], options?: BatchOptions): Promise<unknown> {
    return this.ingest(caller, batch, options);
  }

  protected readonly kind: IngestKind<EventInput> = {
    what: 'event',
    check: checkEvent,
    store: (daemon, items, now, rejectedMax, after, spool) =>
      this.env.store.events.ingestEvents(daemon, items, now, rejectedMax, after, spool),
  };

  /**
   * The daemon's high-water marks: everything up to them is stored. With `spool`, the marks
   * of the caller's own spool too (what that spool delivered, whoever delivered under the
   * name since). A spool that is not the one whose items the marks end with numbers its items
   * above them, or they would count as duplicates. Claims the name for this connection: a
   * second live spool under it is refused with HUB_ERR_DUPLICATE_DAEMON.
   */
  async remote_getDeliveryMarks(
    caller: Caller,
  ): Promise<{ events: number; metrics: number; spool?: { events: number; metrics: number } }> {
    await this.env.claims.claim(caller);
    const key = daemonKey(caller);
    const own = instanceKey(caller);
    const [events, metrics, spoolEvents, spoolMetrics] = await Promise.all([
      this.env.store.highWater(key, 'events'),
      this.env.store.highWater(key, 'metrics'),
      own === undefined ? 0 : this.env.store.highWater(own, 'events'),
      own === undefined ? 0 : this.env.store.highWater(own, 'metrics'),
    ]);
    return own === undefined
      ? { events, metrics }
      : { events, metrics, spool: { events: spoolEvents, metrics: spoolMetrics } };
  }

  /** "I am alive for the next `timeoutSeconds`": missing the next one raises an event. */
  remote_sendHeartbeat(caller: Caller, timeoutSeconds: number, figures?: unknown): boolean {
    this.env.heartbeats.beat(caller.daemon, timeoutSeconds, figures);
    return true;
  }
}
