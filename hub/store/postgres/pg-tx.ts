import type { Pool, PoolClient } from 'pg';
import { splitAtMark } from '../exactly-once.js';

/** Runs `fn` in one transaction on a pooled connection: COMMIT when it resolves, ROLLBACK if it throws. */
export async function transaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const value = await fn(client);
    await client.query('COMMIT');
    return value;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The exactly-once rule for one batch inside the caller's transaction (as SQLite's
 * DeliveryMarks): the daemon's mark row is locked first, so batches of one daemon arriving at
 * two hubs at once are applied one after the other; items at or below the mark are duplicates.
 */
export async function ingestWithMark<T extends { seq: number }>(
  c: PoolClient,
  daemon: string,
  stream: 'events' | 'metrics',
  items: readonly T[],
  now: number,
  rejectedMaxSeq: number,
  after: number | undefined,
  spool: string | undefined,
  store: (fresh: T[]) => Promise<void>,
): Promise<{ ack: number; stored: number; duplicates: number }> {
  await c.query(
    `INSERT INTO delivery(daemon, stream, high_water, updated_at) VALUES ($1, $2, 0, $3)
     ON CONFLICT (daemon, stream) DO NOTHING`,
    [daemon, stream, now],
  );
  const r = await c.query<{ high_water: number }>(
    'SELECT high_water FROM delivery WHERE daemon = $1 AND stream = $2 FOR UPDATE',
    [daemon, stream],
  );
  const mark = r.rows[0]?.high_water ?? 0;
  const { fresh, top, duplicates } = splitAtMark(stream, mark, items, rejectedMaxSeq, after);
  if (fresh.length > 0) await store(fresh);
  if (top > mark) {
    await c.query(
      'UPDATE delivery SET high_water = $3, updated_at = $4 WHERE daemon = $1 AND stream = $2',
      [daemon, stream, top, now],
    );
    // The spool's own mark: what this spool delivered, whoever delivers under the name later.
    if (spool !== undefined) {
      await c.query(
        `INSERT INTO delivery(daemon, stream, high_water, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (daemon, stream) DO UPDATE
           SET high_water = greatest(delivery.high_water, excluded.high_water), updated_at = excluded.updated_at`,
        [spool, stream, top, now],
      );
    }
  }
  return { ack: top, stored: fresh.length, duplicates };
}

/**
 * Runs work for one key strictly one after another, in the order it was asked for. A daemon's
 * batches reach the hub in order over one connection; on a pool they would otherwise run
 * side by side, and a later batch committing first would raise the mark over an earlier one
 * whose items would then count as duplicates (lost). SQLite's group commit keeps the order by
 * itself; here the order is kept per daemon and stream, and different daemons still run in
 * parallel.
 */
export class SerialByKey {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
