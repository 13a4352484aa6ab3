import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock, Logger } from '../../../shared/index.js';
import { silentLogger, systemClock, ZHubError } from '../../../shared/index.js';
import { GroupCommit, type SyncTransactions } from '../group-commit.js';
import type { IngestWriter, Store, WorkerStoreSpec, WriterOptions } from '../store.js';
import { DeliveryMarks, type Stream } from './delivery-marks.js';
import { migrate } from './migrations.js';
import { SqliteAudit } from './sqlite-audit.js';
import { SqliteTemplates } from './sqlite-templates.js';
import { SqliteDeadLetters } from './sqlite-dead-letters.js';
import { SqliteEvents } from './sqlite-events.js';
import { SqliteMetrics } from './sqlite-metrics.js';
import { SqliteModel } from './sqlite-model.js';

export interface SqliteStoreOptions {
  /** Data directory (created if missing); the database is `hub.db` in it. `:memory:` for tests. */
  dataDir: string;
  clock?: Clock;
  logger?: Logger;
  /**
   * `full` (default): a commit survives power loss before the hub acknowledges it. `normal`:
   * survives a crash of the process, not of the machine; faster.
   */
  durability?: 'full' | 'normal';
  /**
   * A second connection to a store the hub has opened (a worker lane's): the integrity check
   * is the hub's, not repeated by every worker.
   */
  secondary?: boolean;
}

/** The embedded default store: SQLite in WAL mode, through better-sqlite3. */
export class SqliteStore implements Store, SyncTransactions {
  readonly kind = 'sqlite';
  readonly model: SqliteModel;
  readonly events: SqliteEvents;
  readonly metrics: SqliteMetrics;
  readonly deadLetters: SqliteDeadLetters;
  readonly audit: SqliteAudit;
  readonly templates: SqliteTemplates;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly marks: DeliveryMarks;
  private readonly dataDir: string;

  constructor(opts: SqliteStoreOptions) {
    this.dataDir = opts.dataDir;
    const clock = opts.clock ?? systemClock;
    const log = opts.logger ?? silentLogger();
    if (opts.dataDir === ':memory:') {
      this.path = ':memory:';
    } else {
      mkdirSync(resolve(opts.dataDir), { recursive: true });
      this.path = join(resolve(opts.dataDir), 'hub.db');
    }
    try {
      this.db = new Database(this.path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${opts.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_STORE',
        `cannot open the store at ${this.path}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    // Damaged pages are found now, not by every batch failing later.
    const check = opts.secondary ? 'ok' : this.integrity();
    if (check !== 'ok') {
      this.db.close();
      throw new ZHubError(
        'HUB_ERR_STORE',
        `the store ${this.path} is damaged (${check}); recover it with 'sqlite3 ${this.path} .recover', or move it aside to start an empty one`,
        { data: { path: this.path } },
      );
    }
    const { from, to } = migrate(this.db, clock.now());
    if (from !== to) log.info({ path: this.path, from, to }, 'store schema migrated');
    this.marks = new DeliveryMarks(this.db);
    this.model = new SqliteModel(this.db, clock);
    this.events = new SqliteEvents(this.db, this.marks);
    this.metrics = new SqliteMetrics(this.db, this.marks);
    this.deadLetters = new SqliteDeadLetters(this.db);
    this.audit = new SqliteAudit(this.db);
    this.templates = new SqliteTemplates(this.db, clock);
  }

  /** A worker opens the same file (WAL: readers never wait for the hub's writes). */
  workerSpec(): WorkerStoreSpec | undefined {
    return this.path === ':memory:' ? undefined : { kind: 'sqlite', dataDir: this.dataDir };
  }

  /** SQLite's quick_check: 'ok', or the first problems found. */
  private integrity(): string {
    try {
      const rows = this.db.pragma('quick_check(5)') as { quick_check: string }[];
      return rows.map((r) => r.quick_check).join('; ');
    } catch (err) {
      return (err as Error).message;
    }
  }

  highWater(daemon: string, stream: Stream): number {
    return this.marks.read(daemon, stream);
  }

  /** Group commit: the batches of one turn in one transaction, one savepoint each. */
  writer(options: WriterOptions): IngestWriter {
    return new GroupCommit(this, options);
  }

  group<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  savepoint<T>(fn: () => T): T {
    // better-sqlite3 runs a transaction function inside an open transaction as a savepoint.
    return this.db.transaction(fn)();
  }

  /** Probe writes done by `healthy()`. */
  probes = 0;

  /**
   * One small committed write: a full disk or a read-only file system fails it, where a read
   * would still succeed.
   */
  healthy(): boolean {
    try {
      this.db
        .prepare(
          'INSERT INTO health_probe(id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at',
        )
        .run(Date.now());
      this.probes++;
      return this.db.open;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
