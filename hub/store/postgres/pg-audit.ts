import type { Pool } from 'pg';
import type { AuditEntry, AuditStore } from '../store.js';
import { transaction } from './pg-tx.js';

/** The audit log in PostgreSQL, shared by every hub on the database. */
export class PgAudit implements AuditStore {
  constructor(private readonly pool: Pool) {}

  async add(e: Omit<AuditEntry, 'id'>, max: number): Promise<void> {
    await transaction(this.pool, async (c) => {
      await c.query(
        'INSERT INTO audit(at, "user", action, target, detail) VALUES ($1, $2, $3, $4, $5)',
        [e.at, e.user, e.action, e.target, e.detail],
      );
      await c.query(
        'DELETE FROM audit WHERE id <= (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET $1)',
        [max],
      );
    });
  }

  async list(q: { user?: string; limit?: number; offset?: number }): Promise<{
    total: number;
    entries: AuditEntry[];
  }> {
    const where = q.user === undefined ? '' : 'WHERE "user" = $1';
    const args: unknown[] = q.user === undefined ? [] : [q.user];
    const total = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit ${where}`,
      args,
    );
    const rows = await this.pool.query<AuditEntry>(
      `SELECT id::float8 AS id, at::float8 AS at, "user", action, target, detail FROM audit ${where}
       ORDER BY id DESC LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, q.limit ?? 100, q.offset ?? 0],
    );
    return { total: total.rows[0]?.n ?? 0, entries: rows.rows };
  }
}
