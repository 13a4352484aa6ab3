import type { Database, Statement } from 'better-sqlite3';
import type { SampleInput } from '../../model/telemetry.js';
import type { IngestResult, MetricPoint, MetricQuery, MetricStore } from '../store.js';
import type { DeliveryMarks } from './delivery-marks.js';

/** Series ids cached in memory; forgotten wholesale past this many (they are cheap to look up again). */
const SERIES_CACHE_MAX = 1_000_000;

/** Metric samples in SQLite: one row per sample, keyed by a series id per (device, component, metric). */
export class SqliteMetrics implements MetricStore {
  private readonly seriesIds = new Map<string, number>();
  private readonly insertSeries: Statement;
  private readonly findSeries: Statement<[string, string, string], { id: number }>;
  private readonly insertSample: Statement;

  constructor(
    private readonly db: Database,
    private readonly marks: DeliveryMarks,
  ) {
    this.insertSeries = db.prepare(
      'INSERT OR IGNORE INTO series(device, component, metric) VALUES (?, ?, ?)',
    );
    this.findSeries = db.prepare(
      'SELECT id FROM series WHERE device = ? AND component = ? AND metric = ?',
    );
    this.insertSample = db.prepare('INSERT INTO samples(series, ts, value) VALUES (?, ?, ?)');
  }

  ingestMetrics(
    daemon: string,
    samples: SampleInput[],
    now: number,
    rejectedMaxSeq = 0,
  ): IngestResult {
    return this.db.transaction(() => {
      const mark = this.marks.read(daemon, 'metrics');
      let top = Math.max(mark, rejectedMaxSeq);
      let stored = 0;
      let duplicates = 0;
      for (const s of samples) {
        if (s.seq <= mark) {
          duplicates++;
          continue;
        }
        if (s.seq > top) top = s.seq;
        this.insertSample.run(this.series(s.device, s.component, s.metric), s.timestamp, s.value);
        stored++;
      }
      if (top > mark) this.marks.advance(daemon, 'metrics', top, now);
      return { ack: top, stored, duplicates };
    })();
  }

  queryMetrics(q: MetricQuery): MetricPoint[] {
    const row = this.findSeries.get(q.device, q.component ?? '', q.metric);
    if (!row) return [];
    const limit = q.limit ?? 10_000;
    if (q.step !== undefined && q.step > 0) {
      return this.db
        .prepare(
          `SELECT ts - ts % @step AS t, avg(value) AS v FROM samples
           WHERE series = @series AND ts >= @from AND ts < @to GROUP BY t ORDER BY t LIMIT @limit`,
        )
        .all({
          step: Math.floor(q.step),
          series: row.id,
          from: q.from,
          to: q.to,
          limit,
        }) as MetricPoint[];
    }
    return this.db
      .prepare(
        'SELECT ts AS t, value AS v FROM samples WHERE series = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?',
      )
      .all(row.id, q.from, q.to, limit) as MetricPoint[];
  }

  listSeries(device: string): { component: string; metric: string }[] {
    return this.db
      .prepare('SELECT component, metric FROM series WHERE device = ? ORDER BY component, metric')
      .all(device) as { component: string; metric: string }[];
  }

  /**
   * Deletes up to `limit` samples older than `before`, looking only at the oldest rows (rowid
   * order is arrival order), so one call costs a bounded amount whatever the table's size.
   */
  purgeMetrics(before: number, limit: number): number {
    return this.db
      .prepare(
        `DELETE FROM samples WHERE rowid IN (
           SELECT rowid FROM (SELECT rowid, ts FROM samples ORDER BY rowid LIMIT ?) WHERE ts < ?)`,
      )
      .run(limit, before).changes;
  }

  countSamples(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n;
  }

  private series(device: string, component: string, metric: string): number {
    const key = `${device}\u0000${component}\u0000${metric}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      this.insertSeries.run(device, component, metric);
      id = (this.findSeries.get(device, component, metric) as { id: number }).id;
      if (this.seriesIds.size >= SERIES_CACHE_MAX) this.seriesIds.clear();
      this.seriesIds.set(key, id);
    }
    return id;
  }
}
