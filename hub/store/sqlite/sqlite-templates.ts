import type { Database } from 'better-sqlite3';
import type { Clock, TemplatePatch, TemplateRecord } from '../../../shared/index.js';
import { boundRefusal, nextTemplate } from '../../model/template-change.js';
import type { TemplateFields, TemplateStore } from '../store.js';

interface Row {
  name: string;
  description: string;
  datasources: string;
  updated_at: number;
}

const toTemplate = (r: Row): TemplateRecord => ({
  name: r.name,
  description: r.description,
  datasources: JSON.parse(r.datasources) as TemplateRecord['datasources'],
  updatedAt: r.updated_at,
});

const BOUND = (table: string) =>
  `SELECT count(*) AS n FROM ${table} WHERE json_valid(properties) AND EXISTS
     (SELECT 1 FROM json_each(properties, '$.zDeviceTemplates') WHERE value = ?)`;

/** Monitoring templates in SQLite. */
export class SqliteTemplates implements TemplateStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  list(): TemplateRecord[] {
    return (this.db.prepare('SELECT * FROM templates ORDER BY name').all() as Row[]).map(
      toTemplate,
    );
  }

  get(name: string): TemplateRecord | undefined {
    const r = this.db.prepare('SELECT * FROM templates WHERE name = ?').get(name) as
      Row | undefined;
    return r && toTemplate(r);
  }

  put(
    items: TemplateFields[] | { name: string; patch: TemplatePatch }[],
    mode: 'add' | 'upsert' | 'edit',
  ): TemplateRecord[] {
    const write = this.db.prepare(
      `INSERT INTO templates(name, description, datasources, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET description = excluded.description,
         datasources = excluded.datasources, updated_at = excluded.updated_at`,
    );
    const now = this.clock.now();
    return this.db.transaction(() => {
      const out: TemplateRecord[] = [];
      for (const item of items) {
        const next = nextTemplate(item, mode, this.get(item.name));
        if (!next) continue;
        write.run(next.name, next.description, JSON.stringify(next.datasources), now);
        out.push({ ...next, updatedAt: now });
      }
      return out;
    })();
  }

  remove(name: string): boolean {
    return this.db.transaction(() => {
      if (!this.get(name)) return false;
      const bound = this.bound(name);
      if (bound.devices + bound.collectors > 0) throw boundRefusal(name, bound);
      this.db.prepare('DELETE FROM templates WHERE name = ?').run(name);
      return true;
    })();
  }

  bound(name: string): { devices: number; collectors: number } {
    const n = (table: string) => (this.db.prepare(BOUND(table)).get(name) as { n: number }).n;
    return { devices: n('devices'), collectors: n('collectors') };
  }
}
