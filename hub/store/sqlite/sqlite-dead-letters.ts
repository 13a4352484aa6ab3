import type { Database, Statement } from 'better-sqlite3';
import type { DeadLetter, DeadLetterStore, NewDeadLetter } from '../store.js';

/** `s` as a LIKE pattern matching itself only. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Dead letters in SQLite: written inside the ingest transaction of their batch. */
export class SqliteDeadLetters implements DeadLetterStore {
  private readonly insert: Statement;
  private readonly trim: Statement;
  private readonly one: Statement<[number], DeadLetter>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO dead_letters(at, daemon, kind, seq, reason, message, item)
       VALUES (@at, @daemon, @kind, @seq, @reason, @message, @item) ON CONFLICT DO NOTHING`,
    );
    // Ids only grow: everything from the (max + 1)-th newest down is the oldest overflow.
    this.trim = db.prepare(
      'DELETE FROM dead_letters WHERE id <= (SELECT id FROM dead_letters ORDER BY id DESC LIMIT 1 OFFSET ?)',
    );
    this.one = db.prepare('SELECT * FROM dead_letters WHERE id = ?');
  }

  add(letters: readonly NewDeadLetter[], max: number): { fresh: boolean[]; evicted: number } {
    if (letters.length === 0) return { fresh: [], evicted: 0 };
    return this.db.transaction(() => {
      const fresh = letters.map((l) => this.insert.run(l).changes === 1);
      return { fresh, evicted: this.trim.run(max).changes };
    })();
  }

  list(q: { daemon?: string; limit?: number; offset?: number }): {
    total: number;
    letters: Omit<DeadLetter, 'item'>[];
  } {
    // A daemon by its key (user:name) or by its name alone.
    const where = q.daemon === undefined ? '' : "WHERE daemon = ? OR daemon LIKE ? ESCAPE '\\'";
    const args = q.daemon === undefined ? [] : [q.daemon, `%:${likeEscape(q.daemon)}`];
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM dead_letters ${where}`).get(...args) as {
        n: number;
      }
    ).n;
    const letters = this.db
      .prepare(
        `SELECT id, at, daemon, kind, seq, reason, message FROM dead_letters ${where}
         ORDER BY id DESC LIMIT ? OFFSET ?`,
      )
      .all(...args, q.limit ?? 100, q.offset ?? 0) as Omit<DeadLetter, 'item'>[];
    return { total, letters };
  }

  get(id: number): DeadLetter | undefined {
    return this.one.get(id);
  }
}
