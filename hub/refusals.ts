import { TABLE_BOUNDS } from '../shared/index.js';
import type { Clock, Logger } from '../shared/index.js';
import type { HubMetrics } from './hub-metrics.js';
import type { RefusedItem } from './model/telemetry.js';
import { DEAD_LETTER_ITEM_CHARS, type NewDeadLetter, type Store } from './store/store.js';

/** Daemons whose refusal totals the status keeps; the least recently refused forgotten first. */
const MAX_DAEMONS = TABLE_BOUNDS.refusalDaemons;

export type IngestKindName = 'event' | 'sample';

/** An item as text for its dead letter, clipped so one hostile item cannot fill the store. */
function itemText(item: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(item) ?? String(item);
  } catch {
    text = String(item);
  }
  return text.length > DEAD_LETTER_ITEM_CHARS
    ? `${text.slice(0, DEAD_LETTER_ITEM_CHARS)}… (clipped from ${text.length} characters)`
    : text;
}

/**
 * What the hub does with the items it refuses from a daemon's batch, so that no refusal is
 * ever only a log line: each is kept as a dead letter (written with the batch, before the
 * acknowledgement), counted per daemon, kind and reason in `zhub_refused_items_total`, added
 * to the daemon's row on the status page, and raised as one event per daemon and reason
 * (repeats deduplicate into its count).
 */
export class Refusals {
  private readonly byDaemon = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: HubMetrics,
    /** Dead letters kept at most (the oldest are deleted past it). */
    readonly maxDeadLetters: number,
  ) {}

  /** The dead letters of one batch's refused items. */
  letters(
    daemonKey: string,
    kind: IngestKindName,
    refused: readonly RefusedItem[],
    now: number,
  ): NewDeadLetter[] {
    return refused.map((r) => ({
      at: now,
      daemon: daemonKey,
      kind,
      seq: r.seq,
      reason: r.code,
      message: r.reason,
      item: itemText(r.item),
    }));
  }

  /** After the batch (and its dead letters) committed: counts, status and events. */
  record(
    daemon: string,
    kind: IngestKindName,
    refused: readonly RefusedItem[],
    evicted: number,
  ): void {
    if (evicted > 0) this.metrics.deadLettersEvicted.inc(evicted);
    if (refused.length === 0) return;
    const byReason = new Map<string, RefusedItem[]>();
    for (const r of refused) {
      let list = byReason.get(r.code);
      if (!list) byReason.set(r.code, (list = []));
      list.push(r);
    }
    const total = (this.byDaemon.get(daemon) ?? 0) + refused.length;
    this.byDaemon.delete(daemon);
    this.byDaemon.set(daemon, total);
    if (this.byDaemon.size > MAX_DAEMONS)
      this.byDaemon.delete(this.byDaemon.keys().next().value as string);
    for (const [reason, items] of byReason) {
      this.metrics.refused.inc({ daemon, kind, reason }, items.length);
      const first = items[0] as RefusedItem;
      this.log.warn(
        { daemon, kind, reason, count: items.length, example: first.reason },
        `${kind}s refused`,
      );
      this.raise(daemon, kind, reason, items.length, first.reason);
    }
  }

  /** Items refused from `daemon` since this hub started. */
  count(daemon: string): number {
    return this.byDaemon.get(daemon) ?? 0;
  }

  private raise(
    daemon: string,
    kind: IngestKindName,
    reason: string,
    n: number,
    example: string,
  ): void {
    const event = {
      device: daemon,
      component: 'zhub',
      eventClass: '/App/Zhub/Refused',
      eventKey: `refused:${kind}:${reason}`,
      severity: 4,
      summary: `the hub refused ${n} ${kind}${n === 1 ? '' : 's'} from daemon ${daemon} (${reason}): ${example}`,
      message: `Refused items are kept as dead letters: zhub deadletter list --daemon ${daemon}`,
      count: 1,
      time: undefined,
      fields: undefined,
    };
    Promise.resolve()
      .then(() => this.store.events.raiseEvent(event, 'zhub', this.clock.now()))
      .catch((err: unknown) =>
        this.log.error({ err, daemon }, 'could not raise the refusal event'),
      );
  }
}
