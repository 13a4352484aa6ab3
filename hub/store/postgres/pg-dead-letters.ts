import type { Pool } from 'pg';
import type { DeadLetter, DeadLetterStore, NewDeadLetter } from '../store.js';
import { likeEscape } from '../sqlite/sqlite-dead-letters.js';
import { transaction } from './pg-tx.js';

/**
 * Dead letters in PostgreSQL. Written in a transaction of their own before the batch is
 * stored and acknowledged; a batch sent again adds nothing (one letter per daemon, kind, seq).
 */
export class PgDeadLetters implements DeadLetterStore {
  constructor(private readonly pool: Pool) {}

  async add(
    letters: readonly NewDeadLetter[],
    max: number,
  ): Promise<{ fresh: boolean[]; evicted: number }> {
    if (letters.length === 0) return { fresh: [], evicted: 0 };
    return transaction(this.pool, async (c) => {
      const ins = await c.query<{ kind: string; seq: number | null }>(
        `INSERT INTO dead_letters(at, daemon, kind, seq, reason, message, item)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
         ON CONFLICT DO NOTHING RETURNING kind, seq`,
        [
          letters.map((l) => l.at),
          letters.map((l) => l.daemon),
          letters.map((l) => l.kind),
          letters.map((l) => l.seq),
          letters.map((l) => l.reason),
          letters.map((l) => l.message),
          letters.map((l) => l.item),
        ],
      );
      const r = await c.query(
        'DELETE FROM dead_letters WHERE id <= (SELECT id FROM dead_letters ORDER BY id DESC LIMIT 1 OFFSET $1)',
        [max],
      );
      const added = new Set(ins.rows.map((row) => `${row.kind}:${row.seq}`));
      const fresh = letters.map((l) => l.seq === null || added.has(`${l.kind}:${l.seq}`));
      return { fresh, evicted: r.rowCount ?? 0 };
    });
  }

  async list(q: { daemon?: string; limit?: number; offset?: number }): Promise<{
    total: number;
    letters: Omit<DeadLetter, 'item'>[];
  }> {
    // A daemon by its key (user:name) or by its name alone.
    const where = q.daemon === undefined ? '' : 'WHERE daemon = $1 OR daemon LIKE $2';
    const args: unknown[] = q.daemon === undefined ? [] : [q.daemon, `%:${likeEscape(q.daemon)}`];
    const total = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dead_letters ${where}`,
      args,
    );
    const rows = await this.pool.query<Omit<DeadLetter, 'item'>>(
      `SELECT id, at, daemon, kind, seq, reason, message FROM dead_letters ${where}
       ORDER BY id DESC LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, q.limit ?? 100, q.offset ?? 0],
    );
    return { total: total.rows[0]?.n ?? 0, letters: rows.rows };
  }

  async get(id: number): Promise<DeadLetter | undefined> {
    const r = await this.pool.query<DeadLetter>('SELECT * FROM dead_letters WHERE id = $1', [id]);
    return r.rows[0];
  }
}
