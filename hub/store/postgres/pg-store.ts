// pg is loaded when a PostgreSQL store is opened: a hub on the embedded store never loads it.
import type pg from 'pg';
import type { Clock, Logger } from '../../../shared/index.js';
import { silentLogger, systemClock, ZHubError } from '../../../shared/index.js';
import type { ModelChanges } from '../../model/model-changes.js';
import { DirectWriter } from '../direct-writer.js';
import type { IngestWriter, Store, WorkerStoreSpec, WriterOptions } from '../store.js';
import { redactUrl } from '../store-url.js';
import { PgAudit } from './pg-audit.js';
import { PgTemplates } from './pg-templates.js';
import { PgDeadLetters } from './pg-dead-letters.js';
import { PgEvents } from './pg-events.js';
import { PgFleet } from './pg-fleet.js';
import { PgMetrics } from './pg-metrics.js';
import { migratePg } from './pg-migrations.js';
import { PgModel } from './pg-model.js';
import { PgModelSync } from './pg-model-sync.js';
import { SerialByKey } from './pg-tx.js';

export interface PgStoreOptions {
  /** `postgres://user@host:5432/db`; `?schema=name` picks the schema. */
  url: string;
  /** Schema holding zhub's tables (default: the URL's `schema`, else `public`); created if missing. */
  schema?: string;
  /** Connections in this hub's pool (default 10). */
  poolSize?: number;
  clock?: Clock;
  logger?: Logger;
}

type PgLib = typeof pg;

/** bigint and numeric columns arrive as JavaScript numbers (zhub's values fit in 2^53). */
const typesOf = (lib: PgLib): pg.CustomTypesConfig => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return (lib.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
});

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The store for several hubs sharing one PostgreSQL database: the model and its generations,
 * event deduplication, delivery marks and samples are global; model changes reach the other
 * hubs through LISTEN/NOTIFY (PgModelSync). Open with `PgStore.open` (it connects and
 * migrates).
 */
export class PgStore implements Store {
  readonly kind = 'postgres';
  readonly model: PgModel;
  readonly events: PgEvents;
  readonly metrics: PgMetrics;
  readonly deadLetters: PgDeadLetters;
  readonly audit: PgAudit;
  readonly templates: PgTemplates;
  readonly fleet: PgFleet;
  private sync: PgModelSync | undefined;
  private closed = false;

  private constructor(
    private readonly url: string,
    readonly pool: pg.Pool,
    private readonly config: pg.ClientConfig,
    readonly schema: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly lib: PgLib,
  ) {
    this.model = new PgModel(pool, clock);
    const serial = new SerialByKey();
    this.events = new PgEvents(pool, serial);
    this.metrics = new PgMetrics(pool, serial);
    this.fleet = new PgFleet(pool);
    this.deadLetters = new PgDeadLetters(pool);
    this.audit = new PgAudit(pool);
    this.templates = new PgTemplates(pool, clock);
  }

  /** Connects, creates the schema if needed and migrates it (once, under a lock). */
  static async open(opts: PgStoreOptions): Promise<PgStore> {
    let url = opts.url;
    let fromUrl: string | null = null;
    try {
      const u = new URL(opts.url);
      fromUrl = u.searchParams.get('schema');
      u.searchParams.delete('schema');
      url = u.toString();
    } catch {
      throw new ZHubError('HUB_ERR_CONFIG', `invalid store URL ${redactUrl(opts.url)}`);
    }
    const schema = opts.schema ?? fromUrl ?? 'public';
    if (!SCHEMA_NAME.test(schema)) {
      throw new ZHubError('HUB_ERR_CONFIG', `invalid schema name '${schema}'`);
    }
    const lib = (await import('pg')).default;
    const config: pg.ClientConfig = {
      connectionString: url,
      types: typesOf(lib),
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: 10_000,
      application_name: 'zhub',
    };
    const pool = new lib.Pool({ ...config, max: opts.poolSize ?? 10 });
    const log = opts.logger ?? silentLogger();
    // An idle connection that breaks is replaced on next use; say so rather than crash.
    pool.on('error', (err) => log.warn({ err }, 'a pooled PostgreSQL connection failed'));
    const clock = opts.clock ?? systemClock;
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new ZHubError(
        'HUB_ERR_STORE',
        `cannot connect to PostgreSQL at ${redactUrl(opts.url)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    try {
      const { from, to } = await migratePg(client, schema, clock.now());
      if (from !== to) log.info({ schema, from, to }, 'store schema migrated');
    } catch (err) {
      client.release();
      await pool.end().catch(() => undefined);
      throw err;
    }
    client.release();
    return new PgStore(opts.url, pool, config, schema, clock, log, lib);
  }

  /** A worker opens a small pool of its own on the same database and schema. */
  workerSpec(): WorkerStoreSpec {
    return { kind: 'postgres', url: this.url, schema: this.schema };
  }

  async highWater(daemon: string, stream: 'events' | 'metrics'): Promise<number> {
    const r = await this.pool.query<{ high_water: number }>(
      'SELECT high_water FROM delivery WHERE daemon = $1 AND stream = $2',
      [daemon, stream],
    );
    return r.rows[0]?.high_water ?? 0;
  }

  /** Each batch its own transaction on a pooled connection, many at once. */
  writer(options: WriterOptions): IngestWriter {
    return new DirectWriter(options);
  }

  /** Tells the other hubs about this hub's model changes and relays theirs (LISTEN/NOTIFY). */
  async watchModel(changes: ModelChanges): Promise<PgModelSync> {
    this.sync = new PgModelSync(
      this.pool,
      () => new this.lib.Client(this.config),
      this.model,
      changes,
      `zhub_model_${this.schema}`,
      this.templates,
      this.log,
    );
    await this.sync.start();
    return this.sync;
  }

  async healthy(): Promise<boolean> {
    try {
      await this.pool.query(
        `INSERT INTO health_probe(hub, at) VALUES ($1, $2)
         ON CONFLICT (hub) DO UPDATE SET at = excluded.at`,
        [this.sync?.hubId ?? 'hub', this.clock.now()],
      );
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sync?.close();
    await this.pool.end();
  }
}
