import type { Pool } from 'pg';
import type { FleetMember, FleetStore } from '../store.js';

interface Row {
  key: string;
  daemon: string;
  usr: string;
  type: string;
  monitor: string;
  address: string;
  hub: string;
  connected: boolean;
  connected_since: number | null;
  left_at: number | null;
  last_beat: number | null;
  timeout_ms: number | null;
  figures: Record<string, number>;
}

/** The fleet in PostgreSQL: one row per (user, daemon), written on login, heartbeat and leave. */
export class PgFleet implements FleetStore {
  constructor(private readonly pool: Pool) {}

  async joined(
    m: Omit<FleetMember, 'leftAt' | 'lastBeat' | 'timeoutMs' | 'figures'>,
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO daemons(key, daemon, usr, type, monitor, address, hub, connected, connected_since, left_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, NULL)
       ON CONFLICT (key) DO UPDATE SET type = excluded.type, monitor = excluded.monitor,
         address = excluded.address, hub = excluded.hub, connected = true,
         connected_since = excluded.connected_since, left_at = NULL`,
      [m.key, m.daemon, m.user, m.type, m.monitor, m.address, m.hub, m.connectedSince],
    );
  }

  async left(key: string, hub: string, now: number): Promise<void> {
    await this.pool.query(
      'UPDATE daemons SET connected = false, left_at = $3 WHERE key = $1 AND hub = $2 AND connected',
      [key, hub, now],
    );
  }

  async beat(
    daemon: string,
    timeoutMs: number,
    figures: Record<string, number>,
    now: number,
  ): Promise<boolean> {
    const r = await this.pool.query<{ was_missing: boolean }>(
      `WITH old AS (SELECT key, missing FROM daemons WHERE daemon = $1 FOR UPDATE)
       UPDATE daemons d SET last_beat = $2, timeout_ms = $3, figures = $4, missing = false
       FROM old WHERE d.key = old.key
       RETURNING old.missing AS was_missing`,
      [daemon, now, timeoutMs, figures],
    );
    return r.rows.some((row) => row.was_missing);
  }

  async overdue(now: number): Promise<{ daemon: string; timeoutMs: number }[]> {
    const r = await this.pool.query<{ daemon: string; timeout_ms: number }>(
      `UPDATE daemons SET missing = true
       WHERE NOT missing AND last_beat IS NOT NULL AND last_beat + timeout_ms < $1
       RETURNING daemon, timeout_ms`,
      [now],
    );
    return r.rows.map((row) => ({ daemon: row.daemon, timeoutMs: row.timeout_ms }));
  }

  async list(limit: number): Promise<FleetMember[]> {
    const r = await this.pool.query<Row>(
      'SELECT * FROM daemons ORDER BY connected DESC, coalesce(left_at, connected_since) DESC LIMIT $1',
      [limit],
    );
    return r.rows.map((row) => ({
      key: row.key,
      daemon: row.daemon,
      user: row.usr,
      type: row.type,
      monitor: row.monitor,
      address: row.address,
      hub: row.hub,
      connected: row.connected,
      connectedSince: row.connected_since,
      leftAt: row.left_at,
      lastBeat: row.last_beat,
      timeoutMs: row.timeout_ms,
      figures: row.figures,
    }));
  }
}
