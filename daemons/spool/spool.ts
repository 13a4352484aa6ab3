import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Clock } from '../../shared/index.js';
import { DEFAULT_DAEMON_LIMITS, systemClock, ZHubError } from '../../shared/index.js';

export type Stream = 'events' | 'metrics';

export interface SpoolOptions {
  /** The spool file (created with its folder), or `:memory:` for tests. */
  path: string;
  /** Items held at most (default 5,000,000). */
  maxEntries?: number;
  /** When full: `block` refuses new items (HUB_ERR_SPOOL_FULL), `drop-oldest` drops the oldest (default). */
  overflow?: 'block' | 'drop-oldest';
  clock?: Clock;
}

export interface SpoolEntry {
  seq: number;
  item: Record<string, unknown>;
}

export interface SpoolStats {
  appended: number;
  acknowledged: number;
  /** Items dropped by the drop-oldest policy, since the spool file was created. */
  dropped: number;
  /** Items refused by the block policy, since this process started. */
  refused: number;
}

/**
 * The daemon's durable spool: every event and metric sample is written here first, with a
 * sequence number that is never reused, and deleted only once the hub has acknowledged it.
 * SQLite in WAL mode: what `append` returned survives the process being killed.
 */
export class Spool {
  readonly stats: SpoolStats = { appended: 0, acknowledged: 0, dropped: 0, refused: 0 };
  /** This spool's id (random, kept in the file): the hub keeps a delivery mark per spool. */
  readonly instance: string;
  /** True for a spool that synced before it had an id: the name's marks are its own. */
  readonly legacy: boolean;
  private readonly db: Database.Database;
  private readonly maxEntries: number;
  private readonly overflow: 'block' | 'drop-oldest';
  private readonly clock: Clock;
  private count: number;
  private lastSeq: number;
  private readonly q;

  constructor(opts: SpoolOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    try {
      this.db = new Database(opts.path);
      this.db.pragma('journal_mode = WAL');
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_SPOOL',
        `cannot open the spool ${opts.path}: ${(err as Error).message}. Move the file aside to start ` +
          'a new spool (its unsent items stay in the moved file), or restore it from a backup.',
        { cause: err, data: { path: opts.path } },
      );
    }
    // NORMAL in WAL mode: a commit survives the process being killed (not a power cut).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL,
        at INTEGER NOT NULL,
        item TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS entries_by_stream ON entries(stream, seq);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS identity (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.maxEntries = opts.maxEntries ?? DEFAULT_DAEMON_LIMITS.spoolMaxEntries;
    this.overflow = opts.overflow ?? DEFAULT_DAEMON_LIMITS.spoolOverflow;
    this.clock = opts.clock ?? systemClock;
    this.q = {
      insert: this.db.prepare('INSERT INTO entries(seq, stream, at, item) VALUES (?, ?, ?, ?)'),
      read: this.db.prepare(
        'SELECT seq, item FROM entries WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      ack: this.db.prepare('DELETE FROM entries WHERE stream = ? AND seq <= ?'),
      dropOldest: this.db.prepare(
        'DELETE FROM entries WHERE seq IN (SELECT seq FROM entries ORDER BY seq LIMIT ?)',
      ),
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare(
        'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      oldest: this.db.prepare('SELECT at FROM entries ORDER BY seq LIMIT 1'),
      depthOf: this.db.prepare('SELECT count(*) AS n FROM entries WHERE stream = ?'),
    };
    this.count = (this.db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
    this.stats.dropped = this.meta('dropped');
    this.lastSeq = this.highestSeq();
    const id = this.db.prepare("SELECT value FROM identity WHERE key = 'instance'").get() as
      { value: string } | undefined;
    // A spool from before instances existed that had synced: its marks are the name's own.
    this.legacy = id === undefined && this.synced;
    this.instance = id?.value ?? randomBytes(12).toString('base64url');
    if (!id)
      this.db.prepare("INSERT INTO identity(key, value) VALUES ('instance', ?)").run(this.instance);
    // The first run since the last sync with the hub starts here (kept across restarts).
    if (this.meta('pendingFrom') === 0) this.setMeta('pendingFrom', this.lastSeq + 1);
  }

  /**
   * The highest sequence number this spool had used when its first run without a sync with
   * the hub began; undefined once the current run has synced. Items at or below it were
   * numbered before: if the hub's mark for this spool is above it, the spool is a restored or
   * copied one, and those items reached the hub from the original.
   */
  get pendingFrom(): number | undefined {
    const v = this.meta('pendingFrom');
    return v === 0 ? undefined : v - 1;
  }

  /** This run has lined up with the hub. */
  markRunSynced(): void {
    this.setMeta('pendingFrom', 0);
  }

  private highestSeq(): number {
    const seqRow = this.db
      .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'entries'")
      .get() as { seq: number } | undefined;
    const max =
      (this.db.prepare('SELECT max(seq) AS m FROM entries').get() as { m: number | null }).m ?? 0;
    return Math.max(seqRow?.seq ?? 0, max);
  }

  /**
   * Writes `items` of one stream in one transaction and answers their sequence numbers.
   * Each item gets its `seq` property set. When full: drops the oldest items, or refuses the
   * whole call (HUB_ERR_SPOOL_FULL), as configured.
   */
  append(stream: Stream, items: Record<string, unknown>[]): number[] {
    if (items.length === 0) return [];
    const over = this.count + items.length - this.maxEntries;
    if (over > 0 && this.overflow === 'block') {
      this.stats.refused += items.length;
      throw new ZHubError(
        'HUB_ERR_SPOOL_FULL',
        `spool holds ${this.count} items (limit ${this.maxEntries}); collection paused`,
      );
    }
    const now = this.clock.now();
    return this.db.transaction(() => {
      if (over > 0) {
        const dropped = this.q.dropOldest.run(over).changes;
        this.count -= dropped;
        this.stats.dropped += dropped;
        this.setMeta('dropped', this.stats.dropped);
      }
      const seqs: number[] = [];
      for (const item of items) {
        // Explicit numbers above every one ever used (AUTOINCREMENT's table keeps the highest).
        const seq = ++this.lastSeq;
        item.seq = seq;
        this.q.insert.run(seq, stream, now, JSON.stringify(item));
        seqs.push(seq);
      }
      this.count += items.length;
      this.stats.appended += items.length;
      return seqs;
    })();
  }

  /** Up to `limit` items of `stream` after `afterSeq`, oldest first. */
  /** Like `read`, with each item as the JSON text stored (nothing parsed): for sending. */
  readRaw(stream: Stream, afterSeq: number, limit: number): { seq: number; json: string }[] {
    return (this.q.read.all(stream, afterSeq, limit) as { seq: number; item: string }[]).map(
      (r) => ({ seq: r.seq, json: r.item }),
    );
  }

  read(stream: Stream, afterSeq: number, limit: number): SpoolEntry[] {
    return (this.q.read.all(stream, afterSeq, limit) as { seq: number; item: string }[]).map(
      (r) => ({
        seq: r.seq,
        item: JSON.parse(r.item) as Record<string, unknown>,
      }),
    );
  }

  /** The hub stored everything of `stream` up to `upTo`: forget it. Answers how many went. */
  ack(stream: Stream, upTo: number): number {
    return this.db.transaction(() => {
      const n = this.q.ack.run(stream, upTo).changes;
      this.count -= n;
      this.stats.acknowledged += n;
      if (upTo > this.lastAck(stream)) this.setMeta(`ack:${stream}`, upTo);
      return n;
    })();
  }

  /** The highest sequence number of `stream` the hub has acknowledged. */
  lastAck(stream: Stream): number {
    return this.meta(`ack:${stream}`);
  }

  /** Forgets acknowledgements above `mark` (the hub knows less than we thought: it lost data). */
  resetAck(stream: Stream, mark: number): void {
    this.setMeta(`ack:${stream}`, mark);
  }

  /**
   * Makes sure every pending and future sequence number is above `mark` (the hub's marks for
   * this daemon). A new or lost spool would otherwise number items the hub takes for
   * duplicates. Pending items keep their order.
   */
  ensureAbove(mark: number): void {
    this.db.transaction(() => {
      const seqRow = this.db
        .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'entries'")
        .get() as { seq: number } | undefined;
      const min = (
        this.db.prepare('SELECT min(seq) AS m FROM entries').get() as { m: number | null }
      ).m;
      if (min !== null && min <= mark) {
        const shift = mark - min + 1;
        // Through negative numbers: an UPDATE of a primary key in place could collide with itself.
        this.db.prepare('UPDATE entries SET seq = -(seq + ?)').run(shift);
        this.db.prepare('UPDATE entries SET seq = -seq').run();
        const rows = this.db.prepare('SELECT seq, item FROM entries').all() as {
          seq: number;
          item: string;
        }[];
        const fix = this.db.prepare('UPDATE entries SET item = ? WHERE seq = ?');
        for (const r of rows)
          fix.run(JSON.stringify({ ...(JSON.parse(r.item) as object), seq: r.seq }), r.seq);
      }
      const max =
        (this.db.prepare('SELECT max(seq) AS m FROM entries').get() as { m: number | null }).m ?? 0;
      const next = Math.max(mark, max, seqRow?.seq ?? 0);
      if (seqRow)
        this.db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'entries'").run(next);
      else
        this.db.prepare("INSERT INTO sqlite_sequence(name, seq) VALUES ('entries', ?)").run(next);
      this.lastSeq = next;
    })();
  }

  /**
   * False until the spool first lined up with the hub's marks. A spool that never did may be
   * new (or a replacement for a lost one) and number its items from 1; one that did numbers
   * above everything the hub has seen from this daemon.
   */
  get synced(): boolean {
    return this.meta('synced') === 1;
  }

  markSynced(): void {
    this.setMeta('synced', 1);
  }

  /** Items held (of one stream, or all). */
  depth(stream?: Stream): number {
    return stream ? (this.q.depthOf.get(stream) as { n: number }).n : this.count;
  }

  /** Age in ms of the oldest item, or 0 when empty. */
  oldestAge(): number {
    const r = this.q.oldest.get() as { at: number } | undefined;
    return r ? this.clock.now() - r.at : 0;
  }

  get full(): boolean {
    return this.count >= this.maxEntries;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private meta(key: string): number {
    return (this.q.getMeta.get(key) as { value: number } | undefined)?.value ?? 0;
  }

  private setMeta(key: string, value: number): void {
    this.q.setMeta.run(key, value);
  }
}
