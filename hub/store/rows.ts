import { DEFAULT_COLLECTOR_PROPERTIES } from '../../shared/index.js';
import type { Collector, Device } from '../model/model-schemas.js';
import type { EventQuery, StoredEvent } from './store.js';

// The rows both stores read, and how they become the model's values: one definition for
// SQLite and PostgreSQL. A JSON column arrives as text from SQLite and parsed (jsonb) from
// PostgreSQL; `json` takes either (the columns hold objects and arrays, never a bare string).

/** A JSON column as a dialect returns it. */
export type JsonColumn<T> = string | T;

export function json<T>(v: JsonColumn<T>): T {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

export interface DeviceRow {
  id: string;
  collector: string;
  title: string;
  address: string;
  properties: JsonColumn<Record<string, unknown>>;
  datasources: JsonColumn<Device['datasources']>;
  updated_at: number;
  generation: number;
}

export interface CollectorRow {
  name: string;
  properties: JsonColumn<Record<string, unknown>>;
  generation: number;
  updated_at: number;
}

export interface EventRow {
  id: number;
  device: string;
  component: string;
  event_class: string;
  event_key: string;
  severity: number;
  summary: string;
  message: string;
  fields: JsonColumn<Record<string, unknown>> | null;
  state: StoredEvent['state'];
  count: number;
  first_time: number;
  last_time: number;
  daemon: string;
  closed_at: number | null;
  closed_by: string | null;
}

export const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  title: r.title,
  address: r.address,
  collector: r.collector,
  properties: json(r.properties),
  datasources: json(r.datasources),
  updatedAt: r.updated_at,
  generation: r.generation,
});

/** A collector with the defaults filled in under what the operator set. */
export const toCollector = (r: CollectorRow): Collector => ({
  name: r.name,
  properties: { ...DEFAULT_COLLECTOR_PROPERTIES, ...json(r.properties) },
  generation: r.generation,
  updatedAt: r.updated_at,
});

export const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  device: r.device,
  component: r.component,
  eventClass: r.event_class,
  eventKey: r.event_key,
  severity: r.severity,
  summary: r.summary,
  message: r.message,
  fields: r.fields === null ? null : json(r.fields),
  state: r.state,
  count: r.count,
  firstTime: r.first_time,
  lastTime: r.last_time,
  daemon: r.daemon,
  closedAt: r.closed_at,
  closedBy: r.closed_by,
});

/**
 * The WHERE clause of an event query, with its arguments; `slot(n)` writes the dialect's
 * placeholder for the n-th argument (`?` for SQLite, `$n` for PostgreSQL).
 */
export function eventWhere(
  q: EventQuery,
  slot: (n: number) => string,
): { clause: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown): void => {
    args.push(v);
    where.push(`${sql} ${slot(args.length)}`);
  };
  if (q.state === 'active') where.push("state <> 'closed'");
  else if (q.state) add('state =', q.state);
  if (q.minSeverity !== undefined) add('severity >=', q.minSeverity);
  if (q.device !== undefined) add('device =', q.device);
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

/** Events newest-worst first: the console's order, in both stores. */
export const EVENT_ORDER = 'ORDER BY severity DESC, last_time DESC, id DESC';
