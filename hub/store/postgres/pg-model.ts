import type { Pool, PoolClient } from 'pg';
import type { Clock } from '../../../shared/index.js';
import { ZHubError } from '../../../shared/index.js';
import {
  type Collector,
  type Device,
  type DeviceInput,
  type DevicePatch,
  type ModelChange,
} from '../../model/model-schemas.js';
import { mergeProperties, nextDevice, sameDevice } from '../../model/device-change.js';
import { deviceText, type DeviceTextRow } from '../../model/device-text.js';
import type { DeviceDiff, DeviceStamp, DeviceText, ModelStore } from '../store.js';
import { transaction } from './pg-tx.js';
import { toCollector, toDevice, type CollectorRow, type DeviceRow } from '../rows.js';

/**
 * The device model in PostgreSQL, shared by every hub on the database. A change is one
 * transaction; it bumps each touched collector's generation (the row lock serialises changes
 * to one collector across hubs) and leaves a tombstone for each device removed from a
 * collector, so any hub can rebuild a change from generations alone (`changesSince`).
 */
export class PgModel implements ModelStore {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async listCollectors(): Promise<Collector[]> {
    const r = await this.pool.query<CollectorRow>('SELECT * FROM collectors ORDER BY name');
    return r.rows.map(toCollector);
  }

  async getCollector(
    name: string,
    c: Pool | PoolClient = this.pool,
  ): Promise<Collector | undefined> {
    const r = await c.query<CollectorRow>('SELECT * FROM collectors WHERE name = $1', [name]);
    return r.rows[0] ? toCollector(r.rows[0]) : undefined;
  }

  async putCollector(
    name: string,
    properties: Record<string, unknown>,
  ): Promise<{ collector: Collector; created: boolean; changed: boolean }> {
    const now = this.clock.now();
    return transaction(this.pool, async (c) => {
      const ins = await c.query(
        `INSERT INTO collectors(name, properties, generation, updated_at) VALUES ($1, $2, 0, $3)
         ON CONFLICT (name) DO NOTHING`,
        [name, properties, now],
      );
      const created = ins.rowCount === 1;
      let changed = true;
      if (!created) {
        const row = await c.query<{ properties: Record<string, unknown> }>(
          'SELECT properties FROM collectors WHERE name = $1 FOR UPDATE',
          [name],
        );
        const m = mergeProperties(row.rows[0]?.properties ?? {}, properties);
        changed = m.changed;
        if (changed) {
          // props_generation: other hubs relay the new properties from it (changesSince).
          await c.query(
            `UPDATE collectors SET properties = $2::jsonb, generation = generation + 1,
               props_generation = generation + 1, updated_at = $3 WHERE name = $1`,
            [name, m.merged, now],
          );
        }
      }
      return { collector: (await this.getCollector(name, c)) as Collector, created, changed };
    });
  }

  async removeCollector(name: string): Promise<boolean> {
    return transaction(this.pool, async (c) => {
      const r = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM devices WHERE collector = $1',
        [name],
      );
      const n = r.rows[0]?.n ?? 0;
      if (n > 0) {
        throw new ZHubError(
          'HUB_ERR_CONFLICT',
          `collector '${name}' still has ${n} device(s); move or remove them first`,
        );
      }
      await c.query('DELETE FROM device_tombstones WHERE collector = $1', [name]);
      return (await c.query('DELETE FROM collectors WHERE name = $1', [name])).rowCount === 1;
    });
  }

  async getDevice(id: string, c: Pool | PoolClient = this.pool): Promise<Device | undefined> {
    const r = await c.query<DeviceRow>('SELECT * FROM devices WHERE id = $1', [id]);
    return r.rows[0] ? toDevice(r.rows[0]) : undefined;
  }

  async listDevices(q: {
    collector?: string;
    search?: string;
    offset?: number;
    limit?: number;
  }): Promise<{ total: number; devices: Device[] }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.collector !== undefined) {
      args.push(q.collector);
      where.push(`collector = $${args.length}`);
    }
    if (q.search) {
      args.push(`%${q.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
      const p = `$${args.length}`;
      where.push(`(id LIKE ${p} OR title LIKE ${p} OR address LIKE ${p})`);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM devices ${clause}`,
      args,
    );
    const rows = await this.pool.query<DeviceRow>(
      `SELECT * FROM devices ${clause} ORDER BY id LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, q.limit ?? 100, q.offset ?? 0],
    );
    return { total: total.rows[0]?.n ?? 0, devices: rows.rows.map(toDevice) };
  }

  async putDevices(
    items: DeviceInput[] | { id: string; patch: DevicePatch }[],
    mode: 'add' | 'upsert' | 'edit',
  ): Promise<ModelChange[]> {
    const now = this.clock.now();
    return transaction(this.pool, async (c) => {
      const changes = new ChangeSet(c, now);
      const seen = new Set<string>();
      const collectors = new Set<string>();
      for (const item of items) {
        const id = item.id;
        if (seen.has(id))
          throw new ZHubError('HUB_ERR_CONFLICT', `device '${id}' appears twice in one change`);
        seen.add(id);
        const prev = await this.getDevice(id, c);
        const next = nextDevice(item, mode, prev);
        if (sameDevice(prev, next)) continue;
        if (!collectors.has(next.collector) && !(await this.getCollector(next.collector, c))) {
          throw new ZHubError(
            'HUB_ERR_NOT_FOUND',
            `no collector '${next.collector}' (device '${id}'); add it with 'zhub collector add'`,
          );
        }
        collectors.add(next.collector);
        const generation = await changes.generation(next.collector);
        await c.query(
          `INSERT INTO devices(id, collector, title, address, properties, datasources, updated_at, generation)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (id) DO UPDATE SET collector = excluded.collector, title = excluded.title,
             address = excluded.address, properties = excluded.properties,
             datasources = excluded.datasources, updated_at = excluded.updated_at,
             generation = excluded.generation`,
          [
            id,
            next.collector,
            next.title,
            next.address,
            next.properties,
            JSON.stringify(next.datasources),
            now,
            generation,
          ],
        );
        changes.updated(next.collector, { ...next, updatedAt: now, generation });
        if (prev && prev.collector !== next.collector) await changes.removed(prev.collector, id);
      }
      return changes.list();
    });
  }

  async removeDevices(ids: string[]): Promise<ModelChange[]> {
    const now = this.clock.now();
    return transaction(this.pool, async (c) => {
      const changes = new ChangeSet(c, now);
      for (const id of ids) {
        const r = await c.query<{ collector: string }>(
          'DELETE FROM devices WHERE id = $1 RETURNING collector',
          [id],
        );
        const row = r.rows[0];
        if (!row) throw new ZHubError('HUB_ERR_NOT_FOUND', `no device '${id}'`);
        await changes.removed(row.collector, id);
      }
      return changes.list();
    });
  }

  async deviceDiff(
    collector: string,
    since: number,
    knownIds: readonly string[],
  ): Promise<DeviceDiff> {
    const asOf = this.clock.now();
    // One snapshot for the collector and its devices.
    return transaction(this.pool, async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const col = await this.getCollector(collector, c);
      if (!col) throw new ZHubError('HUB_ERR_NOT_FOUND', `no collector '${collector}'`);
      const known = new Set(knownIds);
      const stamps = await c.query<{ id: string; updated_at: number }>(
        'SELECT id, updated_at FROM devices WHERE collector = $1',
        [collector],
      );
      const present = new Set<string>();
      const wanted: string[] = [];
      const newIds = new Set<string>();
      for (const r of stamps.rows) {
        present.add(r.id);
        if (!known.has(r.id)) {
          newIds.add(r.id);
          wanted.push(r.id);
        } else if (r.updated_at >= since) wanted.push(r.id);
      }
      const rows = wanted.length
        ? await c.query<DeviceRow>('SELECT * FROM devices WHERE id = ANY($1) ORDER BY id', [wanted])
        : { rows: [] };
      const devices = rows.rows.map(toDevice);
      return {
        new: devices.filter((d) => newIds.has(d.id)),
        updated: devices.filter((d) => !newIds.has(d.id)),
        removed: knownIds.filter((id) => !present.has(id)),
        generation: col.generation,
        asOf,
      };
    });
  }

  async deviceStamps(
    collector: string,
    after: string,
    since: number,
    maxChanged: number,
    limit: number,
    _maxBytes: number,
  ): Promise<{ stamps: DeviceStamp[]; end: boolean }> {
    // Ids in order with a running count of changed ones; bodies are measured only for the
    // changed ones that fit the page (the scan itself never detoasts a body).
    const r = await this.pool.query<DeviceStamp>(
      `WITH s AS (
         SELECT id, updated_at, updated_at >= $3 AS changed,
           count(*) FILTER (WHERE updated_at >= $3) OVER (ORDER BY id) AS nth
         FROM devices WHERE collector = $1 AND id > $2 ORDER BY id LIMIT $5)
       SELECT s.id, s.updated_at AS "updatedAt",
         CASE WHEN s.changed THEN length(d.properties::text) + length(d.datasources::text) ELSE 0 END AS bytes
       FROM s JOIN devices d USING (id) WHERE s.nth <= $4 ORDER BY s.id`,
      [collector, after, since, maxChanged, limit],
    );
    // Cut by the count of changed ones, or by the limit: then more may follow.
    const changed = r.rows.filter((row) => row.updatedAt >= since).length;
    return { stamps: r.rows, end: r.rows.length < limit && changed < maxChanged };
  }

  async deviceTexts(ids: readonly string[]): Promise<DeviceText[]> {
    if (ids.length === 0) return [];
    const r = await this.pool.query<DeviceTextRow>(
      `SELECT id, title, address, collector, properties::text AS properties,
         datasources::text AS datasources, updated_at, generation
       FROM devices WHERE id = ANY($1) ORDER BY id`,
      [ids],
    );
    return r.rows.map(deviceText);
  }

  async generations(): Promise<Map<string, number>> {
    const r = await this.pool.query<{ name: string; generation: number }>(
      'SELECT name, generation FROM collectors',
    );
    return new Map(r.rows.map((row) => [row.name, row.generation]));
  }

  /**
   * What changed in `collector` after generation `since`: devices written since (updated) and
   * devices that left it since (removed, unless back). How a hub rebuilds a change another hub
   * made, from a notification or after missing some.
   */
  async changesSince(collector: string, since: number): Promise<ModelChange | undefined> {
    return transaction(this.pool, async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const col = await this.getCollector(collector, c);
      if (!col || col.generation <= since) return undefined;
      const updated = await c.query<DeviceRow>(
        'SELECT * FROM devices WHERE collector = $1 AND generation > $2 ORDER BY id',
        [collector, since],
      );
      const gone = await c.query<{ id: string }>(
        `SELECT DISTINCT t.id FROM device_tombstones t
         WHERE t.collector = $1 AND t.generation > $2
           AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = t.id AND d.collector = $1)`,
        [collector, since],
      );
      const props = await c.query<{ props_generation: number }>(
        'SELECT props_generation FROM collectors WHERE name = $1',
        [collector],
      );
      return {
        collector,
        generation: col.generation,
        updated: updated.rows.map(toDevice),
        removed: gone.rows.map((r) => r.id),
        ...((props.rows[0]?.props_generation ?? 0) > since ? { properties: col.properties } : {}),
      };
    });
  }

  /** Forgets tombstones older than `before` (a hub that missed more resynchronises with a full reload). */
  async pruneTombstones(before: number): Promise<number> {
    return (
      (await this.pool.query('DELETE FROM device_tombstones WHERE removed_at < $1', [before]))
        .rowCount ?? 0
    );
  }
}

/** One transaction's changes per collector, bumping each collector's generation once. */
class ChangeSet {
  private readonly byCollector = new Map<string, ModelChange>();

  constructor(
    private readonly c: PoolClient,
    private readonly now: number,
  ) {}

  async generation(collector: string): Promise<number> {
    return (await this.entry(collector)).generation;
  }

  updated(collector: string, d: Device): void {
    const e = this.byCollector.get(collector) as ModelChange;
    e.updated.push(d);
    e.removed = e.removed.filter((id) => id !== d.id);
  }

  async removed(collector: string, id: string): Promise<void> {
    const e = await this.entry(collector);
    e.removed.push(id);
    e.updated = e.updated.filter((d) => d.id !== id);
    await this.c.query(
      'INSERT INTO device_tombstones(id, collector, generation, removed_at) VALUES ($1, $2, $3, $4)',
      [id, collector, e.generation, this.now],
    );
  }

  list(): ModelChange[] {
    return [...this.byCollector.values()];
  }

  private async entry(collector: string): Promise<ModelChange> {
    let e = this.byCollector.get(collector);
    if (!e) {
      const r = await this.c.query<{ generation: number }>(
        'UPDATE collectors SET generation = generation + 1, updated_at = $1 WHERE name = $2 RETURNING generation',
        [this.now, collector],
      );
      e = { collector, generation: r.rows[0]?.generation ?? 0, updated: [], removed: [] };
      this.byCollector.set(collector, e);
    }
    return e;
  }
}
