import type { Pool, PoolClient } from 'pg';
import type { Clock, TemplatePatch, TemplateRecord } from '../../../shared/index.js';
import { boundRefusal, nextTemplate } from '../../model/template-change.js';
import type { TemplateFields, TemplateStore } from '../store.js';
import { transaction } from './pg-tx.js';

interface Row {
  name: string;
  description: string;
  datasources: TemplateRecord['datasources'];
  updated_at: number;
}

const COLUMNS = 'name, description, datasources, updated_at::float8 AS updated_at';
const toTemplate = (r: Row): TemplateRecord => ({
  name: r.name,
  description: r.description,
  datasources: r.datasources,
  updatedAt: r.updated_at,
});

/** Monitoring templates in PostgreSQL, shared by every hub on the database. */
export class PgTemplates implements TemplateStore {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<TemplateRecord[]> {
    const r = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM templates ORDER BY name`);
    return r.rows.map(toTemplate);
  }

  async get(name: string, c: Pool | PoolClient = this.pool): Promise<TemplateRecord | undefined> {
    const r = await c.query<Row>(`SELECT ${COLUMNS} FROM templates WHERE name = $1`, [name]);
    return r.rows[0] && toTemplate(r.rows[0]);
  }

  put(
    items: TemplateFields[] | { name: string; patch: TemplatePatch }[],
    mode: 'add' | 'upsert' | 'edit',
  ): Promise<TemplateRecord[]> {
    const now = this.clock.now();
    return transaction(this.pool, async (c) => {
      const out: TemplateRecord[] = [];
      for (const item of items) {
        // FOR UPDATE: two hubs editing one template apply one after the other.
        const r = await c.query<Row>(
          `SELECT ${COLUMNS} FROM templates WHERE name = $1 FOR UPDATE`,
          [item.name],
        );
        const next = nextTemplate(item, mode, r.rows[0] && toTemplate(r.rows[0]));
        if (!next) continue;
        await c.query(
          `INSERT INTO templates(name, description, datasources, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET description = excluded.description,
             datasources = excluded.datasources, updated_at = excluded.updated_at`,
          [next.name, next.description, JSON.stringify(next.datasources), now],
        );
        out.push({ ...next, updatedAt: now });
      }
      return out;
    });
  }

  remove(name: string): Promise<boolean> {
    return transaction(this.pool, async (c) => {
      const r = await c.query('SELECT 1 FROM templates WHERE name = $1 FOR UPDATE', [name]);
      if (r.rowCount === 0) return false;
      const bound = await this.bound(name, c);
      if (bound.devices + bound.collectors > 0) throw boundRefusal(name, bound);
      await c.query('DELETE FROM templates WHERE name = $1', [name]);
      return true;
    });
  }

  async bound(
    name: string,
    c: Pool | PoolClient = this.pool,
  ): Promise<{ devices: number; collectors: number }> {
    const n = async (table: string) =>
      (
        await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table}
           WHERE jsonb_typeof(properties->'zDeviceTemplates') = 'array'
             AND properties->'zDeviceTemplates' @> jsonb_build_array($1::text)`,
          [name],
        )
      ).rows[0]?.n ?? 0;
    return { devices: await n('devices'), collectors: await n('collectors') };
  }
}
