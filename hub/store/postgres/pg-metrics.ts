import { TABLE_BOUNDS } from '../../../shared/index.js';
import type { Pool, PoolClient } from 'pg';
import type { SampleInput } from '../../model/telemetry.js';
import type { IngestResult, MetricPoint, MetricQuery, MetricStore } from '../store.js';
import { ingestWithMark, transaction, type SerialByKey } from './pg-tx.js';

const DAY_MS = 86_400_000;
/** Series ids cached in memory; forgotten wholesale past this many. */
const SERIES_CACHE_MAX = TABLE_BOUNDS.seriesCache;

const partitionName = (day: number): string =>
  `samples_d${new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '')}`;

/** `samples_dYYYYMMDD` → its day number, or undefined for anything else. */
function partitionDay(name: string): number | undefined {
  const m = /^samples_d(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

/**
 * Metric samples in PostgreSQL: one row per sample in `samples`, partitioned by UTC day. A
 * partition is created (under an advisory lock, so two hubs never race) the first time a
 * sample for its day arrives; retention drops whole partitions. Series ids are shared by every
 * hub (the unique key arbitrates) and cached per hub.
 */
export class PgMetrics implements MetricStore {
  private readonly seriesIds = new Map<string, number>();
  private readonly partitions = new Set<number>();

  constructor(
    private readonly pool: Pool,
    private readonly serial: SerialByKey,
  ) {}

  ingestMetrics(
    daemon: string,
    samples: SampleInput[],
    now: number,
    rejectedMaxSeq = 0,
    after?: number,
    spool?: string,
  ): Promise<IngestResult> {
    return this.serial.run(`${daemon}\u0000metrics`, () =>
      this.ingest(daemon, samples, now, rejectedMaxSeq, after, spool),
    );
  }

  private async ingest(
    daemon: string,
    samples: SampleInput[],
    now: number,
    rejectedMaxSeq: number,
    after: number | undefined,
    spool: string | undefined,
  ): Promise<IngestResult> {
    await this.ensurePartitions(samples.map((s) => Math.floor(s.timestamp / DAY_MS)));
    const ids = await this.series(samples);
    return transaction(this.pool, (c) =>
      ingestWithMark(
        c,
        daemon,
        'metrics',
        samples,
        now,
        rejectedMaxSeq,
        after,
        spool,
        async (fresh) => {
          await c.query(
            'INSERT INTO samples(series, ts, value) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[])',
            [
              fresh.map((s) => ids.get(key(s))),
              fresh.map((s) => s.timestamp),
              fresh.map((s) => s.value),
            ],
          );
        },
      ),
    );
  }

  async queryMetrics(q: MetricQuery): Promise<MetricPoint[]> {
    const r = await this.pool.query<{ id: number }>(
      'SELECT id FROM series WHERE device = $1 AND component = $2 AND metric = $3',
      [q.device, q.component ?? '', q.metric],
    );
    const id = r.rows[0]?.id;
    if (id === undefined) return [];
    const limit = q.limit ?? 10_000;
    if (q.step === undefined || q.step <= 0) {
      const pts = await this.pool.query<MetricPoint>(
        'SELECT ts AS t, value AS v FROM samples WHERE series = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT $4',
        [id, q.from, q.to, limit],
      );
      return pts.rows;
    }
    const step = Math.floor(q.step);
    const pts = await this.pool.query<MetricPoint>(
      `SELECT (ts - ts % $4) AS t, avg(value) AS v FROM samples
       WHERE series = $1 AND ts >= $2 AND ts < $3 GROUP BY 1 ORDER BY 1 LIMIT $5`,
      [id, q.from, q.to, step, limit],
    );
    return pts.rows;
  }

  async listSeries(device: string): Promise<{ component: string; metric: string }[]> {
    const r = await this.pool.query<{ component: string; metric: string }>(
      'SELECT component, metric FROM series WHERE device = $1 ORDER BY component, metric',
      [device],
    );
    return r.rows;
  }

  /**
   * Drops the day partitions that end at or before `before` (one per call: `limit` does not
   * apply to whole partitions); answers how many samples went.
   */
  async purgeMetrics(before: number, _limit: number): Promise<number> {
    const r = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE p.relname = 'samples' AND n.nspname = current_schema()`,
    );
    for (const { name } of r.rows) {
      const day = partitionDay(name);
      if (day === undefined || (day + 1) * DAY_MS > before) continue;
      return transaction(this.pool, async (c) => {
        const n = await c.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${name}`);
        await c.query(`DROP TABLE ${name}`);
        this.partitions.delete(day);
        return n.rows[0]?.n ?? 0;
      });
    }
    return 0;
  }

  /** Nothing to compact: samples are written where queries read them. */
  compact(): number {
    return 0;
  }

  async countSamples(): Promise<number> {
    const r = await this.pool.query<{ n: number }>('SELECT count(*)::bigint AS n FROM samples');
    return r.rows[0]?.n ?? 0;
  }

  /** Creates the day partitions not known to exist yet. */
  private async ensurePartitions(days: number[]): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.partitions.has(d));
    if (missing.length === 0) return;
    await transaction(this.pool, async (c: PoolClient) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext('zhub:partitions'))");
      for (const day of missing) {
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF samples
           FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS})`,
        );
      }
    });
    for (const d of missing) this.partitions.add(d);
  }

  /** Series ids for the samples' (device, component, metric), creating the unknown ones. */
  private async series(samples: SampleInput[]): Promise<Map<string, number>> {
    if (this.seriesIds.size > SERIES_CACHE_MAX) this.seriesIds.clear();
    const unknown = new Map<string, SampleInput>();
    for (const s of samples) {
      const k = key(s);
      if (!this.seriesIds.has(k)) unknown.set(k, s);
    }
    if (unknown.size > 0) {
      const list = [...unknown.values()];
      const cols = [
        list.map((s) => s.device),
        list.map((s) => s.component),
        list.map((s) => s.metric),
      ];
      await this.pool.query(
        `INSERT INTO series(device, component, metric)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
        cols,
      );
      const r = await this.pool.query<{
        id: number;
        device: string;
        component: string;
        metric: string;
      }>(
        `SELECT s.id, s.device, s.component, s.metric FROM series s
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS x(d, c, m)
           ON s.device = x.d AND s.component = x.c AND s.metric = x.m`,
        cols,
      );
      for (const row of r.rows) this.seriesIds.set(key(row), row.id);
    }
    return this.seriesIds;
  }
}

const key = (s: { device: string; component: string; metric: string }): string =>
  `${s.device}\u0000${s.component}\u0000${s.metric}`;
