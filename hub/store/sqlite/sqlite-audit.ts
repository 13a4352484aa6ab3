import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry, AuditStore } from '../store.js';

/** The audit log in SQLite. */
export class SqliteAudit implements AuditStore {
  private readonly insert: Statement;
  private readonly trim: Statement;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      'INSERT INTO audit(at, user, action, target, detail) VALUES (@at, @user, @action, @target, @detail)',
    );
    this.trim = db.prepare(
      'DELETE FROM audit WHERE id <= (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ?)',
    );
  }

  add(entry: Omit<AuditEntry, 'id'>, max: number): void {
    this.db.transaction(() => {
      this.insert.run(entry);
      this.trim.run(max);
    })();
  }

  list(q: { user?: string; limit?: number; offset?: number }): {
    total: number;
    entries: AuditEntry[];
  } {
    const where = q.user === undefined ? '' : 'WHERE user = ?';
    const args = q.user === undefined ? [] : [q.user];
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM audit ${where}`).get(...args) as { n: number }
    ).n;
    const entries = this.db
      .prepare(`SELECT * FROM audit ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...args, q.limit ?? 100, q.offset ?? 0) as AuditEntry[];
    return { total, entries };
  }
}
