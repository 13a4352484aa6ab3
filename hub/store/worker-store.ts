import type { Logger } from '../../shared/index.js';
import { PgStore } from './postgres/pg-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store, WorkerStoreSpec } from './store.js';

/**
 * A worker thread's own connection to the hub's store: SQLite opens the same file (WAL mode,
 * so its reads never wait for the hub's writes), PostgreSQL a pool of two on the same schema.
 * The hub opened (and migrated) the store first; a worker only connects.
 */
export async function openWorkerStore(spec: WorkerStoreSpec, log: Logger): Promise<Store> {
  if (spec.kind === 'sqlite')
    return new SqliteStore({ dataDir: spec.dataDir, logger: log, secondary: true });
  return PgStore.open({ url: spec.url, schema: spec.schema, poolSize: 2, logger: log });
}
