import type { Database, Statement } from 'better-sqlite3';
import { splitAtMark } from '../exactly-once.js';

export type Stream = 'events' | 'metrics';

/**
 * Per-daemon, per-stream delivery high-water marks: every item with a sequence number at or
 * below the mark is stored. Read and written inside the ingest transaction, so the mark and
 * the data commit together.
 */
export class DeliveryMarks {
  private readonly get: Statement<[string, string], { high_water: number }>;
  private readonly put: Statement;

  constructor(db: Database) {
    this.get = db.prepare('SELECT high_water FROM delivery WHERE daemon = ? AND stream = ?');
    this.put = db.prepare(
      `INSERT INTO delivery(daemon, stream, high_water, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(daemon, stream) DO UPDATE SET high_water = max(high_water, excluded.high_water), updated_at = excluded.updated_at`,
    );
  }

  read(daemon: string, stream: Stream): number {
    return this.get.get(daemon, stream)?.high_water ?? 0;
  }

  advance(daemon: string, stream: Stream, to: number, now: number): void {
    this.put.run(daemon, stream, to, now);
  }

  /**
   * The exactly-once rule for one batch, inside the caller's transaction: refuses a batch that
   * would overtake its predecessor (`after`), skips items at or below the mark as duplicates,
   * hands the rest to `store`, and advances the mark (past refused malformed items too).
   */
  ingest<T extends { seq: number }>(
    daemon: string,
    stream: Stream,
    items: readonly T[],
    now: number,
    rejectedMaxSeq: number,
    after: number | undefined,
    spool: string | undefined,
    store: (item: T) => void,
  ): { ack: number; stored: number; duplicates: number } {
    const mark = this.read(daemon, stream);
    const { fresh, top, duplicates } = splitAtMark(stream, mark, items, rejectedMaxSeq, after);
    for (const item of fresh) store(item);
    if (top > mark) {
      this.advance(daemon, stream, top, now);
      // The spool's own mark: what this spool delivered, whoever delivers under the name later.
      if (spool !== undefined) this.advance(spool, stream, top, now);
    }
    return { ack: top, stored: fresh.length, duplicates };
  }
}
