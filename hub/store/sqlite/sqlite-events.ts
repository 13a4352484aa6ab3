import type { Database, Statement } from 'better-sqlite3';
import { ZHubError } from '../../../shared/index.js';
import type { EventInput } from '../../model/telemetry.js';
import { clearKey, fingerprint } from '../event-keys.js';
import type { EventQuery, EventStore, IngestResult, StoredEvent } from '../store.js';
import type { DeliveryMarks } from './delivery-marks.js';
import { EVENT_ORDER, eventWhere, toEvent, type EventRow } from '../rows.js';

type Ev = Omit<EventInput, 'seq'>;

/**
 * The event console in SQLite, with ZenHub's deduplication: an event whose fingerprint
 * (device, component, eventClass, eventKey, severity) matches an active one increments its
 * count and moves its lastTime; a clear (severity 0) closes the active events with the same
 * device, component, eventClass and eventKey.
 */
export class SqliteEvents implements EventStore {
  private readonly upsert: Statement;
  private readonly clear: Statement;

  constructor(
    private readonly db: Database,
    private readonly marks: DeliveryMarks,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO events(fingerprint, clear_key, device, component, event_class, event_key, severity, summary, message,
                          fields, state, count, first_time, last_time, daemon)
       VALUES (@fingerprint, @clearKey, @device, @component, @eventClass, @eventKey, @severity, @summary, @message,
               @fields, 'open', @count, @time, @time, @daemon)
       ON CONFLICT(fingerprint) WHERE state <> 'closed' DO UPDATE SET
         count = count + excluded.count, last_time = max(last_time, excluded.last_time), summary = excluded.summary,
         message = excluded.message, fields = excluded.fields, daemon = excluded.daemon
       RETURNING count`,
    );
    this.clear = db.prepare(
      `UPDATE events SET state = 'closed', closed_at = ?, closed_by = 'clear' WHERE clear_key = ? AND state <> 'closed'`,
    );
  }

  ingestEvents(
    daemon: string,
    events: EventInput[],
    now: number,
    rejectedMaxSeq = 0,
    after?: number,
    spool?: string,
  ): IngestResult & { deduplicated: number; cleared: number } {
    return this.db.transaction(() => {
      let deduplicated = 0;
      let cleared = 0;
      const r = this.marks.ingest(
        daemon,
        'events',
        events,
        now,
        rejectedMaxSeq,
        after,
        spool,
        (e) => {
          const outcome = this.apply(e, daemon, now);
          if (outcome === 'dedup') deduplicated++;
          else if (typeof outcome === 'number') cleared += outcome;
        },
      );
      return { ...r, deduplicated, cleared };
    })();
  }

  raiseEvent(event: Ev, daemon: string, now: number): void {
    this.db.transaction(() => this.apply(event, daemon, now))();
  }

  queryEvents(q: EventQuery): { total: number; events: StoredEvent[] } {
    const { clause, args } = eventWhere(q, () => '?');
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM events ${clause}`).get(...args) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT * FROM events ${clause} ${EVENT_ORDER} LIMIT ? OFFSET ?`)
      .all(...args, q.limit ?? 100, q.offset ?? 0) as EventRow[];
    return { total, events: rows.map(toEvent) };
  }

  countEvents(): { rows: number; occurrences: number } {
    return this.db
      .prepare('SELECT count(*) AS rows, coalesce(sum(count), 0) AS occurrences FROM events')
      .get() as {
      rows: number;
      occurrences: number;
    };
  }

  setEventState(
    ids: number[],
    state: 'acknowledged' | 'closed' | 'open',
    by: string,
    now: number,
  ): number {
    return this.db.transaction(() => {
      let changed = 0;
      for (const id of ids) {
        const row = this.db
          .prepare('SELECT fingerprint, state FROM events WHERE id = ?')
          .get(id) as { fingerprint: string; state: string } | undefined;
        if (!row) throw new ZHubError('HUB_ERR_NOT_FOUND', `no event ${id}`);
        if (row.state === state) continue;
        if (state === 'open' || (state === 'acknowledged' && row.state === 'closed')) {
          // Reopening must not create a second active event with the same fingerprint.
          const clash = this.db
            .prepare(
              "SELECT id FROM events WHERE fingerprint = ? AND state <> 'closed' AND id <> ?",
            )
            .get(row.fingerprint, id);
          if (clash)
            throw new ZHubError(
              'HUB_ERR_CONFLICT',
              `event ${id} cannot be reopened: an active event has its fingerprint`,
            );
        }
        const closing = state === 'closed';
        changed += this.db
          .prepare('UPDATE events SET state = ?, closed_at = ?, closed_by = ? WHERE id = ?')
          .run(
            state,
            closing ? now : null,
            closing ? by : state === 'acknowledged' ? by : null,
            id,
          ).changes;
      }
      return changed;
    })();
  }

  /** One event: 'dedup', 'new', or the number of events a clear closed. */
  private apply(e: Ev, daemon: string, now: number): 'dedup' | 'new' | number {
    const key = clearKey(e);
    if (e.severity === 0) return this.clear.run(now, key).changes;
    const row = this.upsert.get({
      fingerprint: fingerprint(e),
      clearKey: key,
      device: e.device,
      component: e.component,
      eventClass: e.eventClass,
      eventKey: e.eventKey,
      severity: e.severity,
      summary: e.summary,
      message: e.message,
      fields: e.fields === undefined ? null : JSON.stringify(e.fields),
      time: e.time ?? now,
      count: e.count,
      daemon,
    }) as { count: number };
    return row.count > e.count ? 'dedup' : 'new';
  }
}
