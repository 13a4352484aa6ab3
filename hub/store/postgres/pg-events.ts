import type { Pool, PoolClient } from 'pg';
import { ZHubError } from '../../../shared/index.js';
import type { EventInput } from '../../model/telemetry.js';
import { clearKey, fingerprint } from '../event-keys.js';
import type { EventQuery, EventStore, IngestResult, StoredEvent } from '../store.js';
import { ingestWithMark, transaction, type SerialByKey } from './pg-tx.js';
import { EVENT_ORDER, eventWhere, toEvent, type EventRow } from '../rows.js';

type Ev = Omit<EventInput, 'seq'>;

/** Raises with one fingerprint collapsed: counts summed, the latest text kept. */
interface Collapsed {
  e: Ev;
  count: number;
  time: number;
  occurrences: number;
}

/**
 * The event console in PostgreSQL, deduplicated across every hub on the database: the unique
 * index on the fingerprint of active events arbitrates, so two daemons on two hubs raising the
 * same event make one open event with the summed count. A batch's raises are collapsed by
 * fingerprint and written with one statement per run between clears (order kept: a clear
 * closes what was raised before it in the batch, not what comes after).
 */
export class PgEvents implements EventStore {
  constructor(
    private readonly pool: Pool,
    private readonly serial: SerialByKey,
  ) {}

  ingestEvents(
    daemon: string,
    events: EventInput[],
    now: number,
    rejectedMaxSeq = 0,
    after?: number,
    spool?: string,
  ): Promise<IngestResult & { deduplicated: number; cleared: number }> {
    return this.serial.run(`${daemon}\u0000events`, () =>
      this.ingest(daemon, events, now, rejectedMaxSeq, after, spool),
    );
  }

  private async ingest(
    daemon: string,
    events: EventInput[],
    now: number,
    rejectedMaxSeq: number,
    after: number | undefined,
    spool: string | undefined,
  ): Promise<IngestResult & { deduplicated: number; cleared: number }> {
    let deduplicated = 0;
    let cleared = 0;
    const r = await transaction(this.pool, (c) =>
      ingestWithMark(
        c,
        daemon,
        'events',
        events,
        now,
        rejectedMaxSeq,
        after,
        spool,
        async (fresh) => {
          const out = await this.apply(c, fresh, daemon, now);
          deduplicated += out.deduplicated;
          cleared += out.cleared;
        },
      ),
    );
    return { ...r, deduplicated, cleared };
  }

  async raiseEvent(event: Ev, daemon: string, now: number): Promise<void> {
    await transaction(this.pool, (c) => this.apply(c, [event], daemon, now));
  }

  async queryEvents(q: EventQuery): Promise<{ total: number; events: StoredEvent[] }> {
    const { clause, args } = eventWhere(q, (n) => `$${n}`);
    const total = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events ${clause}`,
      args,
    );
    const rows = await this.pool.query<EventRow>(
      `SELECT * FROM events ${clause} ${EVENT_ORDER}
       LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, q.limit ?? 100, q.offset ?? 0],
    );
    return { total: total.rows[0]?.n ?? 0, events: rows.rows.map(toEvent) };
  }

  async countEvents(): Promise<{ rows: number; occurrences: number }> {
    const r = await this.pool.query<{ rows: number; occurrences: number }>(
      'SELECT count(*)::int AS rows, coalesce(sum(count), 0)::bigint AS occurrences FROM events',
    );
    return r.rows[0] as { rows: number; occurrences: number };
  }

  async setEventState(
    ids: number[],
    state: 'acknowledged' | 'closed' | 'open',
    by: string,
    now: number,
  ): Promise<number> {
    return transaction(this.pool, async (c) => {
      let changed = 0;
      for (const id of ids) {
        const r = await c.query<{ fingerprint: string; state: string }>(
          'SELECT fingerprint, state FROM events WHERE id = $1 FOR UPDATE',
          [id],
        );
        const row = r.rows[0];
        if (!row) throw new ZHubError('HUB_ERR_NOT_FOUND', `no event ${id}`);
        if (row.state === state) continue;
        if (state === 'open' || (state === 'acknowledged' && row.state === 'closed')) {
          const clash = await c.query(
            "SELECT id FROM events WHERE fingerprint = $1 AND state <> 'closed' AND id <> $2",
            [row.fingerprint, id],
          );
          if (clash.rows.length > 0)
            throw new ZHubError(
              'HUB_ERR_CONFLICT',
              `event ${id} cannot be reopened: an active event has its fingerprint`,
            );
        }
        const closing = state === 'closed';
        const u = await c.query(
          'UPDATE events SET state = $1, closed_at = $2, closed_by = $3 WHERE id = $4',
          [state, closing ? now : null, closing || state === 'acknowledged' ? by : null, id],
        );
        changed += u.rowCount ?? 0;
      }
      return changed;
    });
  }

  private async apply(
    c: PoolClient,
    events: readonly Ev[],
    daemon: string,
    now: number,
  ): Promise<{ deduplicated: number; cleared: number }> {
    let deduplicated = 0;
    let cleared = 0;
    let run = new Map<string, Collapsed>();
    const flush = async (): Promise<void> => {
      if (run.size === 0) return;
      deduplicated += await this.upsertRun(c, [...run.entries()], daemon);
      run = new Map();
    };
    for (const e of events) {
      if (e.severity === 0) {
        await flush();
        const r = await c.query(
          "UPDATE events SET state = 'closed', closed_at = $1, closed_by = 'clear' WHERE clear_key = $2 AND state <> 'closed'",
          [now, clearKey(e)],
        );
        cleared += r.rowCount ?? 0;
        continue;
      }
      const fp = fingerprint(e);
      const time = e.time ?? now;
      const prev = run.get(fp);
      if (prev) {
        prev.e = e;
        prev.count += e.count;
        prev.time = Math.max(prev.time, time);
        prev.occurrences++;
      } else run.set(fp, { e, count: e.count, time, occurrences: 1 });
    }
    await flush();
    return { deduplicated, cleared };
  }

  /** One statement for a run of raises; answers how many of them were deduplicated. */
  private async upsertRun(
    c: PoolClient,
    run: [string, Collapsed][],
    daemon: string,
  ): Promise<number> {
    const col = (f: (x: Collapsed, fp: string) => unknown): unknown[] =>
      run.map(([fp, x]) => f(x, fp));
    const r = await c.query<{ fingerprint: string; inserted: boolean }>(
      `INSERT INTO events(fingerprint, clear_key, device, component, event_class, event_key, severity,
                          summary, message, fields, state, count, first_time, last_time, daemon)
       SELECT fp, ck, dev, comp, cls, ekey, sev, summ, msg, flds, 'open', cnt, t, t, $13
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
                   $8::text[], $9::text[], $10::jsonb[], $11::bigint[], $12::bigint[])
         AS x(fp, ck, dev, comp, cls, ekey, sev, summ, msg, flds, cnt, t)
       ON CONFLICT (fingerprint) WHERE state <> 'closed' DO UPDATE SET
         count = events.count + excluded.count, last_time = greatest(events.last_time, excluded.last_time),
         summary = excluded.summary, message = excluded.message, fields = excluded.fields,
         daemon = excluded.daemon
       RETURNING fingerprint, (xmax = 0) AS inserted`,
      [
        col((_x, fp) => fp),
        col((x) => clearKey(x.e)),
        col((x) => x.e.device),
        col((x) => x.e.component),
        col((x) => x.e.eventClass),
        col((x) => x.e.eventKey),
        col((x) => x.e.severity),
        col((x) => x.e.summary),
        col((x) => x.e.message),
        col((x) => (x.e.fields === undefined ? null : JSON.stringify(x.e.fields))),
        col((x) => x.count),
        col((x) => x.time),
        daemon,
      ],
    );
    const byFp = new Map(run);
    let dedup = 0;
    for (const row of r.rows) {
      const x = byFp.get(row.fingerprint) as Collapsed;
      dedup += row.inserted ? x.occurrences - 1 : x.occurrences;
    }
    return dedup;
  }
}
