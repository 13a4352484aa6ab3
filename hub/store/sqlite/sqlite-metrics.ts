import { TABLE_BOUNDS } from '../../../shared/index.js';
import type { Database, Statement } from 'better-sqlite3';
import type { SampleInput } from '../../model/telemetry.js';
import type { IngestResult, MetricPoint, MetricQuery, MetricStore } from '../store.js';
import type { DeliveryMarks } from './delivery-marks.js';

/** Series ids cached in memory; forgotten wholesale past this many (they are cheap to look up again). */
const SERIES_CACHE_MAX = TABLE_BOUNDS.seriesCache;
/** Longest time one chunk covers. */
const CHUNK_SPAN_MS = 3_600_000;

/** Packs (t, v) pairs as little-endian float64s. */
function pack(points: number[]): Buffer {
  const buf = Buffer.allocUnsafe(points.length * 8);
  for (let i = 0; i < points.length; i++) buf.writeDoubleLE(points[i] as number, i * 8);
  return buf;
}

function unpack(buf: Buffer, from: number, to: number, out: MetricPoint[]): void {
  for (let off = 0; off + 16 <= buf.length; off += 16) {
    const t = buf.readDoubleLE(off);
    if (t >= from && t < to) out.push({ t, v: buf.readDoubleLE(off + 8) });
  }
}

/**
 * Metric samples in SQLite, in two tiers. Ingest appends to `samples_raw`, which has no index,
 * so a write costs the same however large the store grows. `compact()` then moves raw samples
 * into `chunks`, one row per series per round with its points packed, so the index is written
 * once per series per round instead of once per sample. Queries read both tiers.
 */
export class SqliteMetrics implements MetricStore {
  private readonly seriesIds = new Map<string, number>();
  private readonly insertSeries: Statement;
  private readonly findSeries: Statement<[string, string, string], { id: number }>;
  private readonly insertSample: Statement;
  private readonly insertChunk: Statement;

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
    this.insertSample = db.prepare('INSERT INTO samples_raw(ts, series, value) VALUES (?, ?, ?)');
    this.insertChunk = db.prepare(
      'INSERT INTO chunks(series, t0, t1, n, points) VALUES (?, ?, ?, ?, ?)',
    );
  }

  ingestMetrics(
    daemon: string,
    samples: SampleInput[],
    now: number,
    rejectedMaxSeq = 0,
    after?: number,
    spool?: string,
  ): IngestResult {
    return this.db.transaction(() =>
      this.marks.ingest(daemon, 'metrics', samples, now, rejectedMaxSeq, after, spool, (s) => {
        this.insertSample.run(s.timestamp, this.series(s.device, s.component, s.metric), s.value);
      }),
    )();
  }

  /** Moves up to `maxRows` of the oldest raw samples into chunks; answers how many moved. */
  compact(maxRows: number): number {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare('SELECT rowid, ts, series, value FROM samples_raw ORDER BY rowid LIMIT ?')
        .raw()
        .all(maxRows) as [number, number, number, number][];
      if (rows.length === 0) return 0;
      // One chunk per series and hour: a chunk never spans an hour, so retention (which drops
      // whole chunks) is exact to the hour even when late samples arrive with fresh ones.
      const groups = new Map<string, { series: number; pts: number[] }>();
      for (const [, ts, series, value] of rows) {
        const key = `${series}:${Math.floor(ts / CHUNK_SPAN_MS)}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { series, pts: [] }));
        g.pts.push(ts, value);
      }
      for (const { series, pts } of groups.values()) {
        sortPairs(pts);
        this.insertChunk.run(series, pts[0], pts[pts.length - 2], pts.length / 2, pack(pts));
      }
      const last = rows[rows.length - 1] as [number, number, number, number];
      this.db.prepare('DELETE FROM samples_raw WHERE rowid <= ?').run(last[0]);
      return rows.length;
    })();
  }

  queryMetrics(q: MetricQuery): MetricPoint[] {
    const row = this.findSeries.get(q.device, q.component ?? '', q.metric);
    if (!row) return [];
    const points: MetricPoint[] = [];
    const chunks = this.db
      .prepare('SELECT points FROM chunks WHERE series = ? AND t1 >= ? AND t0 < ? ORDER BY t0')
      .raw()
      .all(row.id, q.from, q.to) as [Buffer][];
    for (const [buf] of chunks) unpack(buf, q.from, q.to, points);
    const raw = this.db
      .prepare(
        'SELECT ts AS t, value AS v FROM samples_raw WHERE series = ? AND ts >= ? AND ts < ?',
      )
      .all(row.id, q.from, q.to) as MetricPoint[];
    for (const p of raw) points.push(p);
    points.sort((a, b) => a.t - b.t);
    const limit = q.limit ?? 10_000;
    if (q.step === undefined || q.step <= 0) return points.slice(0, limit);
    return bucketAverages(points, Math.floor(q.step)).slice(0, limit);
  }

  listSeries(device: string): { component: string; metric: string }[] {
    return this.db
      .prepare('SELECT component, metric FROM series WHERE device = ? ORDER BY component, metric')
      .all(device) as { component: string; metric: string }[];
  }

  /**
   * Deletes samples older than `before`: whole chunks that end before it (at most `limit`
   * chunks), and raw samples among the oldest `limit` rows. Answers how many samples went.
   */
  purgeMetrics(before: number, limit: number): number {
    return this.db.transaction(() => {
      const chunks = this.db
        .prepare(
          'DELETE FROM chunks WHERE rowid IN (SELECT rowid FROM chunks WHERE t1 < ? LIMIT ?) RETURNING n',
        )
        .raw()
        .all(before, limit) as [number][];
      const raw = this.db
        .prepare(
          `DELETE FROM samples_raw WHERE rowid IN (
             SELECT rowid FROM (SELECT rowid, ts FROM samples_raw ORDER BY rowid LIMIT ?) WHERE ts < ?)`,
        )
        .run(limit, before).changes;
      return chunks.reduce((n, [c]) => n + c, 0) + raw;
    })();
  }

  countSamples(): number {
    const r = this.db
      .prepare(
        'SELECT (SELECT coalesce(sum(n), 0) FROM chunks) + (SELECT count(*) FROM samples_raw) AS n',
      )
      .get() as { n: number };
    return r.n;
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

/** Sorts a flat [t, v, t, v, ...] array by t (usually already sorted: checked first). */
function sortPairs(pts: number[]): void {
  let sorted = true;
  for (let i = 2; i < pts.length; i += 2) {
    if ((pts[i] as number) < (pts[i - 2] as number)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return;
  const pairs: [number, number][] = [];
  for (let i = 0; i < pts.length; i += 2) pairs.push([pts[i] as number, pts[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  pairs.forEach(([t, v], i) => {
    pts[i * 2] = t;
    pts[i * 2 + 1] = v;
  });
}

/** Averages sorted points into buckets aligned to multiples of `step` since the epoch. */
function bucketAverages(points: MetricPoint[], step: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  let bucket = NaN;
  let sum = 0;
  let n = 0;
  for (const p of points) {
    const b = p.t - (p.t % step);
    if (b !== bucket) {
      if (n > 0) out.push({ t: bucket, v: sum / n });
      bucket = b;
      sum = 0;
      n = 0;
    }
    sum += p.v;
    n++;
  }
  if (n > 0) out.push({ t: bucket, v: sum / n });
  return out;
}
