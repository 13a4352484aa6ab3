import type { Database } from 'better-sqlite3';
import { ZHubError } from '../../../shared/index.js';
import { builtinTemplates } from '../../model/builtin-templates.js';

/**
 * Versioned schema changes, applied in order at start, each in its own transaction. The
 * version lives in SQLite's `user_version`. Never edit a released migration: add one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the model, delivery marks, events, metrics
  `
  CREATE TABLE collectors (
    name TEXT PRIMARY KEY,
    properties TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    collector TEXT NOT NULL REFERENCES collectors(name),
    title TEXT NOT NULL,
    address TEXT NOT NULL,
    properties TEXT NOT NULL,
    datasources TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    generation INTEGER NOT NULL
  );
  CREATE INDEX devices_by_collector ON devices(collector);
  CREATE TABLE delivery (
    daemon TEXT NOT NULL,
    stream TEXT NOT NULL,
    high_water INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (daemon, stream)
  ) WITHOUT ROWID;
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    clear_key TEXT NOT NULL,
    device TEXT NOT NULL,
    component TEXT NOT NULL,
    event_class TEXT NOT NULL,
    event_key TEXT NOT NULL,
    severity INTEGER NOT NULL,
    summary TEXT NOT NULL,
    message TEXT NOT NULL,
    fields TEXT,
    state TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_time INTEGER NOT NULL,
    last_time INTEGER NOT NULL,
    daemon TEXT NOT NULL,
    closed_at INTEGER,
    closed_by TEXT
  );
  CREATE UNIQUE INDEX events_active_fingerprint ON events(fingerprint) WHERE state <> 'closed';
  CREATE INDEX events_active_clear ON events(clear_key) WHERE state <> 'closed';
  CREATE INDEX events_by_state ON events(state, severity, last_time);
  CREATE INDEX events_by_device ON events(device, last_time);
  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    component TEXT NOT NULL,
    metric TEXT NOT NULL,
    UNIQUE (device, component, metric)
  );
  -- Samples land here first, append-only (no index: ingest stays cheap however big the
  -- store grows), and are compacted into per-series chunks shortly after.
  CREATE TABLE samples_raw (
    ts INTEGER NOT NULL,
    series INTEGER NOT NULL,
    value REAL NOT NULL
  );
  -- One row per series per compaction round: points as little-endian float64 pairs (t, v).
  CREATE TABLE chunks (
    series INTEGER NOT NULL,
    t0 INTEGER NOT NULL,
    t1 INTEGER NOT NULL,
    n INTEGER NOT NULL,
    points BLOB NOT NULL
  );
  CREATE INDEX chunks_by_series ON chunks(series, t1);
  CREATE INDEX chunks_by_end ON chunks(t1);
  `,
  // 2: a one-row table that readiness checks write to (a read succeeds on a full disk)
  `
  CREATE TABLE health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL);
  `,
  // 3: the paged config pull walks one collector's devices in id order
  `
  CREATE INDEX devices_by_collector_id ON devices(collector, id);
  `,
  // 4: items the hub refused (acknowledged, never stored as data), kept for the operator
  `
  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    daemon TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    item TEXT NOT NULL
  );
  CREATE UNIQUE INDEX dead_letters_once ON dead_letters(daemon, kind, seq) WHERE seq IS NOT NULL;
  CREATE INDEX dead_letters_by_daemon ON dead_letters(daemon, id);
  `,
  // 5: the audit log of operators' changes
  `
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX audit_by_user ON audit(user, id);
  `,
  // 6: monitoring templates (the shipped ones are added with it)
  `
  CREATE TABLE templates (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    datasources TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
];

/** The migration that creates the templates table: the shipped templates are added with it. */
const TEMPLATES_MIGRATION = 5;

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to SCHEMA_VERSION; refuses a newer one rather than guess at it. */
export function migrate(db: Database, now: number): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new ZHubError(
      'HUB_ERR_STORE_SCHEMA',
      `the store's schema is version ${from}, newer than this zhub knows (${SCHEMA_VERSION}); upgrade zhub or use another data directory`,
      { data: { found: from, known: SCHEMA_VERSION } },
    );
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      if (v === 0) {
        db.prepare(
          'INSERT INTO collectors(name, properties, generation, updated_at) VALUES (?, ?, 0, ?)',
        ).run('localhost', '{}', now);
      }
      if (v === TEMPLATES_MIGRATION) {
        const insert = db.prepare(
          'INSERT INTO templates(name, description, datasources, updated_at) VALUES (?, ?, ?, ?)',
        );
        for (const t of builtinTemplates())
          insert.run(t.name, t.description, JSON.stringify(t.datasources), now);
      }
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return { from, to: SCHEMA_VERSION };
}
