import type { PoolClient } from 'pg';
import { ZHubError } from '../../../shared/index.js';
import { builtinTemplates } from '../../model/builtin-templates.js';

/**
 * Versioned schema changes for the PostgreSQL store, applied in order at start, each in its own
 * transaction, under an advisory lock so that hubs starting together against one database
 * migrate it once. Never edit a released migration: add one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the model (with tombstones, so a hub can resynchronise from generations), delivery
  // marks, events, metric series and daily-partitioned samples, the readiness probe
  `
  CREATE TABLE collectors (
    name text PRIMARY KEY,
    properties jsonb NOT NULL,
    generation bigint NOT NULL DEFAULT 0,
    updated_at bigint NOT NULL
  );
  CREATE TABLE devices (
    id text PRIMARY KEY,
    collector text NOT NULL REFERENCES collectors(name),
    title text NOT NULL,
    address text NOT NULL,
    properties jsonb NOT NULL,
    datasources jsonb NOT NULL,
    updated_at bigint NOT NULL,
    generation bigint NOT NULL
  );
  CREATE INDEX devices_by_collector ON devices(collector, generation);
  CREATE TABLE device_tombstones (
    id text NOT NULL,
    collector text NOT NULL,
    generation bigint NOT NULL,
    removed_at bigint NOT NULL
  );
  CREATE INDEX tombstones_by_collector ON device_tombstones(collector, generation);
  CREATE TABLE delivery (
    daemon text NOT NULL,
    stream text NOT NULL,
    high_water bigint NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (daemon, stream)
  );
  CREATE TABLE events (
    id bigserial PRIMARY KEY,
    fingerprint text NOT NULL,
    clear_key text NOT NULL,
    device text NOT NULL,
    component text NOT NULL,
    event_class text NOT NULL,
    event_key text NOT NULL,
    severity integer NOT NULL,
    summary text NOT NULL,
    message text NOT NULL,
    fields jsonb,
    state text NOT NULL,
    count bigint NOT NULL,
    first_time bigint NOT NULL,
    last_time bigint NOT NULL,
    daemon text NOT NULL,
    closed_at bigint,
    closed_by text
  );
  CREATE UNIQUE INDEX events_active_fingerprint ON events(fingerprint) WHERE state <> 'closed';
  CREATE INDEX events_active_clear ON events(clear_key) WHERE state <> 'closed';
  CREATE INDEX events_by_state ON events(state, severity, last_time);
  CREATE INDEX events_by_device ON events(device, last_time);
  CREATE TABLE series (
    id bigserial PRIMARY KEY,
    device text NOT NULL,
    component text NOT NULL,
    metric text NOT NULL,
    UNIQUE (device, component, metric)
  );
  -- One partition per UTC day (samples_dYYYYMMDD), made on demand: retention drops whole
  -- partitions instead of deleting rows.
  CREATE TABLE samples (
    series bigint NOT NULL,
    ts bigint NOT NULL,
    value double precision NOT NULL
  ) PARTITION BY RANGE (ts);
  CREATE INDEX samples_by_series ON samples(series, ts);
  CREATE TABLE health_probe (hub text PRIMARY KEY, at bigint NOT NULL);
  -- The fleet as every hub sees it: who is connected to which hub, their heartbeats.
  CREATE TABLE daemons (
    key text PRIMARY KEY,
    daemon text NOT NULL,
    usr text NOT NULL,
    type text NOT NULL,
    monitor text NOT NULL,
    address text NOT NULL,
    hub text NOT NULL,
    connected boolean NOT NULL,
    connected_since bigint,
    left_at bigint,
    last_beat bigint,
    timeout_ms bigint,
    missing boolean NOT NULL DEFAULT false,
    figures jsonb NOT NULL DEFAULT '{}'
  );
  CREATE INDEX daemons_by_daemon ON daemons(daemon);
  `,
  // 2: the paged config pull walks one collector's devices in id order; the generation at
  // which a collector's properties last changed (other hubs push them on from it)
  `
  CREATE INDEX devices_by_collector_id ON devices(collector, id);
  ALTER TABLE collectors ADD COLUMN props_generation bigint NOT NULL DEFAULT 0;
  `,
  // 3: items the hub refused (acknowledged, never stored as data), kept for the operator
  `
  CREATE TABLE dead_letters (
    id bigserial PRIMARY KEY,
    at bigint NOT NULL,
    daemon text NOT NULL,
    kind text NOT NULL,
    seq bigint,
    reason text NOT NULL,
    message text NOT NULL,
    item text NOT NULL
  );
  CREATE UNIQUE INDEX dead_letters_once ON dead_letters(daemon, kind, seq) WHERE seq IS NOT NULL;
  CREATE INDEX dead_letters_by_daemon ON dead_letters(daemon, id);
  `,
  // 4: the audit log of operators' changes
  `
  CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    at bigint NOT NULL,
    "user" text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    detail text NOT NULL
  );
  CREATE INDEX audit_by_user ON audit("user", id);
  `,
  // 5: monitoring templates (the shipped ones are added with it)
  `
  CREATE TABLE templates (
    name text PRIMARY KEY,
    description text NOT NULL,
    datasources jsonb NOT NULL,
    updated_at bigint NOT NULL
  );
  `,
];

/** The migration that creates the templates table: the shipped templates are added with it. */
const TEMPLATES_MIGRATION = 4;

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema to PG_SCHEMA_VERSION; refuses a newer one rather than guess at it. */
export async function migratePg(
  client: PoolClient,
  schema: string,
  now: number,
): Promise<{ from: number; to: number }> {
  await client.query("SELECT pg_advisory_lock(hashtext('zhub:migrations'))");
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS zhub_schema (version integer NOT NULL)');
    const r = await client.query<{ version: number }>('SELECT version FROM zhub_schema');
    const from = r.rows[0]?.version ?? 0;
    if (r.rows.length === 0) await client.query('INSERT INTO zhub_schema VALUES (0)');
    if (from > PG_SCHEMA_VERSION) {
      throw new ZHubError(
        'HUB_ERR_STORE_SCHEMA',
        `the store's schema is version ${from}, newer than this zhub knows (${PG_SCHEMA_VERSION}); upgrade zhub`,
        { data: { found: from, known: PG_SCHEMA_VERSION } },
      );
    }
    for (let v = from; v < PG_SCHEMA_VERSION; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v] as string);
        if (v === 0) {
          await client.query(
            "INSERT INTO collectors(name, properties, generation, updated_at) VALUES ('localhost', '{}', 0, $1)",
            [now],
          );
        }
        if (v === TEMPLATES_MIGRATION) {
          for (const t of builtinTemplates())
            await client.query(
              'INSERT INTO templates(name, description, datasources, updated_at) VALUES ($1, $2, $3, $4)',
              [t.name, t.description, JSON.stringify(t.datasources), now],
            );
        }
        await client.query('UPDATE zhub_schema SET version = $1', [v + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return { from, to: PG_SCHEMA_VERSION };
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext('zhub:migrations'))");
  }
}
