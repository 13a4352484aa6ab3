// PostgreSQL for the tests: the server named by ZHUB_TEST_PG, and a schema of their own per
// test file, dropped afterwards (so runs never see each other's tables).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgStore } from '../../hub/index.js';
import type { Clock } from '../../shared/index.js';

export function testPgUrl(): string {
  const url = process.env.ZHUB_TEST_PG;
  if (!url) {
    throw new Error(
      'ZHUB_TEST_PG is not set: give the tests a PostgreSQL server, e.g. ' +
        'ZHUB_TEST_PG=postgres://postgres@127.0.0.1:5432/test npm run test:postgres',
    );
  }
  return url;
}

export class TestSchema {
  readonly name = `zhub_t_${randomBytes(5).toString('hex')}`;
  private readonly stores: PgStore[] = [];

  /** A store on this schema (each call: another pool, as another hub would have). */
  async store(clock?: Clock): Promise<PgStore> {
    const s = await PgStore.open({
      url: testPgUrl(),
      schema: this.name,
      poolSize: 4,
      ...(clock ? { clock } : {}),
    });
    this.stores.push(s);
    return s;
  }

  /** The store's URL with this schema selected, for `zhub hub --store` in a child process. */
  get url(): string {
    const u = new URL(testPgUrl());
    u.searchParams.set('schema', this.name);
    return u.toString();
  }

  async drop(): Promise<void> {
    for (const s of this.stores) await s.close().catch(() => undefined);
    const client = new pg.Client({ connectionString: testPgUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`);
    await client.end();
  }
}
