import type { Database, Statement } from 'better-sqlite3';
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
import { json, toCollector, toDevice, type CollectorRow, type DeviceRow } from '../rows.js';

const IN_CHUNK = 500;

/** The device model in SQLite. Every change is one transaction and bumps the collectors' generations. */
export class SqliteModel implements ModelStore {
  private readonly q: Record<string, Statement>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.q = {
      collector: db.prepare('SELECT * FROM collectors WHERE name = ?'),
      collectors: db.prepare('SELECT * FROM collectors ORDER BY name'),
      insertCollector: db.prepare(
        'INSERT INTO collectors(name, properties, generation, updated_at) VALUES (?, ?, 0, ?)',
      ),
      updateCollector: db.prepare(
        'UPDATE collectors SET properties = ?, generation = generation + 1, updated_at = ? WHERE name = ?',
      ),
      bump: db.prepare(
        'UPDATE collectors SET generation = generation + 1, updated_at = ? WHERE name = ? RETURNING generation',
      ),
      deleteCollector: db.prepare('DELETE FROM collectors WHERE name = ?'),
      countDevicesOf: db.prepare('SELECT count(*) AS n FROM devices WHERE collector = ?'),
      device: db.prepare('SELECT * FROM devices WHERE id = ?'),
      deviceCollector: db.prepare('SELECT collector FROM devices WHERE id = ?'),
      upsertDevice: db.prepare(
        `INSERT INTO devices(id, collector, title, address, properties, datasources, updated_at, generation)
         VALUES (@id, @collector, @title, @address, @properties, @datasources, @updated_at, @generation)
         ON CONFLICT(id) DO UPDATE SET collector = excluded.collector, title = excluded.title, address = excluded.address,
           properties = excluded.properties, datasources = excluded.datasources, updated_at = excluded.updated_at,
           generation = excluded.generation`,
      ),
      deleteDevice: db.prepare('DELETE FROM devices WHERE id = ? RETURNING collector'),
      stamps: db.prepare('SELECT id, updated_at FROM devices WHERE collector = ?'),
      pageStamps: db.prepare(
        // The bodies of unchanged devices are never read (a full page of ids costs little).
        `SELECT id, updated_at AS updatedAt,
           CASE WHEN updated_at >= ? THEN length(properties) + length(datasources) ELSE 0 END AS bytes
         FROM devices WHERE collector = ? AND id > ? ORDER BY id LIMIT ?`,
      ),
      generations: db.prepare('SELECT name, generation FROM collectors'),
    };
  }

  listCollectors(): Collector[] {
    return (this.q.collectors as Statement<[], CollectorRow>).all().map(toCollector);
  }

  getCollector(name: string): Collector | undefined {
    const r = (this.q.collector as Statement<[string], CollectorRow>).get(name);
    return r ? toCollector(r) : undefined;
  }

  putCollector(
    name: string,
    properties: Record<string, unknown>,
  ): { collector: Collector; created: boolean; changed: boolean } {
    const now = this.clock.now();
    return this.db.transaction(() => {
      const existing = (this.q.collector as Statement<[string], CollectorRow>).get(name);
      let changed = true;
      if (existing) {
        const m = mergeProperties(json(existing.properties), properties);
        changed = m.changed;
        if (changed) this.q.updateCollector?.run(JSON.stringify(m.merged), now, name);
      } else {
        this.q.insertCollector?.run(name, JSON.stringify(properties), now);
      }
      return { collector: this.getCollector(name) as Collector, created: !existing, changed };
    })();
  }

  removeCollector(name: string): boolean {
    return this.db.transaction(() => {
      const { n } = (this.q.countDevicesOf as Statement<[string], { n: number }>).get(name) as {
        n: number;
      };
      if (n > 0) {
        throw new ZHubError(
          'HUB_ERR_CONFLICT',
          `collector '${name}' still has ${n} device(s); move or remove them first`,
        );
      }
      return this.q.deleteCollector?.run(name).changes === 1;
    })();
  }

  getDevice(id: string): Device | undefined {
    const r = (this.q.device as Statement<[string], DeviceRow>).get(id);
    return r ? toDevice(r) : undefined;
  }

  listDevices(q: { collector?: string; search?: string; offset?: number; limit?: number }): {
    total: number;
    devices: Device[];
  } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.collector !== undefined) {
      where.push('collector = ?');
      args.push(q.collector);
    }
    if (q.search) {
      where.push(
        "(id LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\' OR address LIKE ? ESCAPE '\\')",
      );
      const pattern = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      args.push(pattern, pattern, pattern);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM devices ${clause}`).get(...args) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT * FROM devices ${clause} ORDER BY id LIMIT ? OFFSET ?`)
      .all(...args, q.limit ?? 100, q.offset ?? 0) as DeviceRow[];
    return { total, devices: rows.map(toDevice) };
  }

  putDevices(
    items: DeviceInput[] | { id: string; patch: DevicePatch }[],
    mode: 'add' | 'upsert' | 'edit',
  ): ModelChange[] {
    const now = this.clock.now();
    return this.db.transaction(() => {
      const changes = new ChangeSet(this.q.bump as Statement, now);
      const seen = new Set<string>();
      const collectors = new Set<string>();
      const prevCollector = this.q.deviceCollector as Statement<[string], { collector: string }>;
      for (const item of items) {
        const id = item.id;
        if (seen.has(id))
          throw new ZHubError('HUB_ERR_CONFLICT', `device '${id}' appears twice in one change`);
        seen.add(id);
        // An add needs only to know whether it exists; replaces and edits compare with it.
        const prev = mode === 'add' ? prevCollector.get(id) : this.getDevice(id);
        const next = nextDevice(item, mode, prev);
        if (sameDevice(prev, next)) continue;
        if (!collectors.has(next.collector) && !this.getCollector(next.collector)) {
          throw new ZHubError(
            'HUB_ERR_NOT_FOUND',
            `no collector '${next.collector}' (device '${id}'); add it with 'zhub collector add'`,
          );
        }
        collectors.add(next.collector);
        const generation = changes.generation(next.collector);
        this.q.upsertDevice?.run({
          ...next,
          properties: JSON.stringify(next.properties),
          datasources: JSON.stringify(next.datasources),
          updated_at: now,
          generation,
        });
        changes.updated(next.collector, { ...next, updatedAt: now, generation });
        if (prev && prev.collector !== next.collector) changes.removed(prev.collector, id);
      }
      return changes.list();
    })();
  }

  removeDevices(ids: string[]): ModelChange[] {
    const now = this.clock.now();
    return this.db.transaction(() => {
      const changes = new ChangeSet(this.q.bump as Statement, now);
      for (const id of ids) {
        const row = (this.q.deleteDevice as Statement<[string], { collector: string }>).get(id);
        if (!row) throw new ZHubError('HUB_ERR_NOT_FOUND', `no device '${id}'`);
        changes.removed(row.collector, id);
      }
      return changes.list();
    })();
  }

  deviceDiff(collector: string, since: number, knownIds: readonly string[]): DeviceDiff {
    const asOf = this.clock.now();
    return this.db.transaction(() => {
      const c = this.getCollector(collector);
      if (!c) throw new ZHubError('HUB_ERR_NOT_FOUND', `no collector '${collector}'`);
      const known = new Set(knownIds);
      const present = new Set<string>();
      const newIds: string[] = [];
      const updatedIds: string[] = [];
      for (const r of (
        this.q.stamps as Statement<[string], { id: string; updated_at: number }>
      ).iterate(collector)) {
        present.add(r.id);
        if (!known.has(r.id)) newIds.push(r.id);
        // >= : a change committed in the same millisecond as the previous diff is sent again, never missed.
        else if (r.updated_at >= since) updatedIds.push(r.id);
      }
      const removed = knownIds.filter((id) => !present.has(id));
      return {
        new: this.devicesByIds(newIds),
        updated: this.devicesByIds(updatedIds),
        removed,
        generation: c.generation,
        asOf,
      };
    })();
  }

  generations(): Map<string, number> {
    const rows = (this.q.generations as Statement<[], { name: string; generation: number }>).all();
    return new Map(rows.map((r) => [r.name, r.generation]));
  }

  deviceStamps(
    collector: string,
    after: string,
    since: number,
    maxChanged: number,
    limit: number,
    maxBytes: number,
  ): { stamps: DeviceStamp[]; end: boolean } {
    const stamps: DeviceStamp[] = [];
    let changed = 0;
    let bytes = 0;
    const rows = (
      this.q.pageStamps as Statement<[number, string, string, number], DeviceStamp>
    ).iterate(since, collector, after, limit);
    for (const r of rows) {
      // Stepping stops here: rows past the page are never read.
      if (r.updatedAt >= since && (++changed > maxChanged || (changed > 1 && bytes > maxBytes)))
        return { stamps, end: false };
      bytes += r.bytes;
      stamps.push(r);
    }
    return { stamps, end: stamps.length < limit };
  }

  deviceTexts(ids: readonly string[]): DeviceText[] {
    return this.rowsByIds(ids).map(deviceText);
  }

  private devicesByIds(ids: readonly string[]): Device[] {
    return this.rowsByIds(ids).map(toDevice);
  }

  /** The rows of these ids that exist, in id order (chunked: SQLite bounds the parameters). */
  /** SQLite keeps the JSON columns as text: the rows are the pull's text rows as they are. */
  private rowsByIds(ids: readonly string[]): DeviceTextRow[] {
    const out: DeviceTextRow[] = [];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const rows = this.db
        .prepare(
          `SELECT * FROM devices WHERE id IN (${chunk.map(() => '?').join(',')}) ORDER BY id`,
        )
        .all(...chunk) as DeviceTextRow[];
      out.push(...rows);
    }
    return out;
  }
}

/** Collects one transaction's changes per collector, bumping each collector's generation once. */
class ChangeSet {
  private readonly byCollector = new Map<string, ModelChange>();

  constructor(
    private readonly bump: Statement,
    private readonly now: number,
  ) {}

  generation(collector: string): number {
    return this.entry(collector).generation;
  }

  updated(collector: string, d: Device): void {
    const e = this.entry(collector);
    e.updated.push(d);
    e.removed = e.removed.filter((id) => id !== d.id);
  }

  removed(collector: string, id: string): void {
    const e = this.entry(collector);
    e.removed.push(id);
    e.updated = e.updated.filter((d) => d.id !== id);
  }

  list(): ModelChange[] {
    return [...this.byCollector.values()];
  }

  private entry(collector: string): ModelChange {
    let e = this.byCollector.get(collector);
    if (!e) {
      const row = this.bump.get(this.now, collector) as { generation: number };
      e = { collector, generation: row.generation, updated: [], removed: [] };
      this.byCollector.set(collector, e);
    }
    return e;
  }
}
