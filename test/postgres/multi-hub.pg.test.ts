// Two hubs sharing one PostgreSQL database, in this process: a model change made through one
// reaches a daemon listening on the other; events from daemons on both deduplicate into one;
// a daemon failing over mid-stream stores everything exactly once; a hub that lost its
// notification connection catches up from generations.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HubDaemon } from '../../daemons/index.js';
import type { PgModelSync } from '../../hub/store/postgres/pg-model-sync.js';
import { Referenceable } from '../../shared/index.js';
import { connectTestClient, startHub, TEST_PASSWORD, TEST_USER } from '../support/hub-fixture.js';
import { eventually as until } from '../support/until.js';
import { testPgUrl, TestSchema } from './pg-fixture.js';

class Listener extends Referenceable {
  readonly updated: string[] = [];
  readonly deleted: string[] = [];
  readonly properties: Record<string, unknown>[] = [];
  remote_setPropertyItems(items: Record<string, unknown>): boolean {
    this.properties.push(items);
    return true;
  }
  remote_updateDeviceConfigs(devices: { id: string }[]): void {
    for (const d of devices) this.updated.push(d.id);
  }
  remote_deleteDevices(ids: string[]): void {
    this.deleted.push(...ids);
  }
  remote_notifyConfigChanged(): void {}
  readonly templates: { name: string; description: string }[] = [];
  readonly templatesGone: string[] = [];
  remote_updateTemplates(list: { name: string; description: string }[]): void {
    this.templates.push(...list);
  }
  remote_deleteTemplates(names: string[]): void {
    this.templatesGone.push(...names);
  }
}

describe('several hubs on one PostgreSQL database', () => {
  const schema = new TestSchema();
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(() => schema.drop());

  async function twoHubs() {
    const a = await startHub({ store: await schema.store() });
    const b = await startHub({ store: await schema.store() });
    cleanups.push(a.close, b.close);
    return { a, b };
  }

  it('pushes a change made through hub A to a daemon listening on hub B within a second', async () => {
    const { a, b } = await twoHubs();
    const listener = new Listener();
    const client = await connectTestClient(b.url, { root: listener });
    cleanups.push(() => client.close());
    await client.getService('ConfigService', { listener });
    await a.zhub.hub.env.model.putDevices([{ id: 'via-a', address: '10.0.0.1' }], 'add');
    await until(() => listener.updated.includes('via-a'), 5_000);
    await a.zhub.hub.env.model.removeDevices(['via-a']);
    await until(() => listener.deleted.includes('via-a'), 5_000);
    // A collector property changed through hub A reaches it too.
    await a.zhub.hub.env.model.putCollector({
      name: 'localhost',
      properties: { cycleInterval: 45 },
    });
    await until(() => listener.properties.some((p) => p.cycleInterval === 45), 5_000);
    // A template added, edited and removed through hub A reaches it as well.
    await a.zhub.hub.env.model.putTemplates({ name: 'via-a', description: 'one' }, 'add');
    await a.zhub.hub.env.model.editTemplate('via-a', { description: 'two' });
    await until(
      () => listener.templates.some((t) => t.name === 'via-a' && t.description === 'two'),
      5_000,
    );
    await a.zhub.hub.env.model.removeTemplate('via-a');
    await until(() => listener.templatesGone.includes('via-a'), 5_000);
  });

  it('makes one open event with the summed count from daemons on two hubs', async () => {
    const { a, b } = await twoHubs();
    const ca = await connectTestClient(a.url, { name: 'east' });
    const cb = await connectTestClient(b.url, { name: 'west' });
    cleanups.push(
      () => ca.close(),
      () => cb.close(),
    );
    const e = {
      device: 'core-1',
      eventClass: '/Net',
      eventKey: 'bgp',
      severity: 5,
      summary: 'down',
    };
    await Promise.all([
      (await ca.getService('EventService')).callRemote('sendEvents', [{ seq: 1, ...e }]),
      (await cb.getService('EventService')).callRemote('sendEvents', [
        { seq: 1, ...e },
        { seq: 2, ...e },
      ]),
    ]);
    const open = await a.zhub.hub.env.store.events.queryEvents({
      state: 'active',
      device: 'core-1',
    });
    expect(open.events.map((x) => x.count)).toEqual([3]);
  });

  it('stores a stream exactly once when its daemon fails over to the other hub mid-stream', async () => {
    const { a, b } = await twoHubs();
    const daemon = new HubDaemon({
      url: `${a.url},${b.url}`,
      username: TEST_USER,
      password: TEST_PASSWORD,
      name: 'mover',
      type: 'test',
      dataDir: await mkdtemp(join(tmpdir(), 'zhub-failover-')),
      sender: { batchSize: 200, maxInFlight: 2, flushIntervalMs: 20 },
      limits: { reconnectBaseMs: 50, reconnectMaxMs: 500 },
    });
    cleanups.push(() => daemon.stop());
    daemon.start();
    const n = 20_000;
    const t0 = Date.now() - 60_000;
    const write = (from: number, to: number): void => {
      for (let i = from; i < to; i += 1_000) {
        daemon.writeMetrics(
          Array.from({ length: 1_000 }, (_, j) => ({
            device: 'm',
            metric: 'v',
            value: i + j,
            timestamp: t0 + i + j,
          })),
        );
      }
      daemon.flushSamples();
    };
    write(0, n / 2);
    await until(() => daemon.spool.lastAck('metrics') > n / 8, 20_000);
    await a.close(); // hub A goes away with batches in flight
    write(n / 2, n); // the second half can only go through hub B
    await until(() => daemon.client.url === b.url && daemon.client.state === 'connected', 20_000);
    expect(await daemon.drain(30_000)).toBe(true);
    const pts = await b.zhub.hub.env.store.metrics.queryMetrics({
      device: 'm',
      metric: 'v',
      from: t0,
      to: t0 + n,
      limit: n * 2,
    });
    expect(pts).toHaveLength(n);
    expect(new Set(pts.map((p) => p.v)).size).toBe(n);
  });

  it('catches up from generations after losing its notification connection', async () => {
    const { a, b } = await twoHubs();
    const listener = new Listener();
    const client = await connectTestClient(b.url, { root: listener });
    cleanups.push(() => client.close());
    await client.getService('ConfigService', { listener });
    // Cut hub B's LISTEN connection (as a network blip or a server restart would).
    const admin = new pg.Client({ connectionString: testPgUrl() });
    await admin.connect();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN zhub_model_%' AND datname = current_database()",
    );
    await admin.end();
    // Changed while B is deaf: B must still deliver it once it is back.
    await a.zhub.hub.env.model.putDevices([{ id: 'while-deaf', address: '10.0.0.2' }], 'add');
    await until(() => listener.updated.includes('while-deaf'), 10_000);
    const sync = (b.zhub.hub.env.store as unknown as { sync: PgModelSync }).sync;
    expect(sync.stats.resyncs).toBeGreaterThanOrEqual(1);
  });
});

describe('the fleet across hubs', () => {
  const schema = new TestSchema();
  afterAll(() => schema.drop());

  it('shows daemons of every hub on any hub, and raises one heartbeat-missing event per lapse', async () => {
    const a = await startHub({ store: await schema.store() });
    const b = await startHub({ store: await schema.store() });
    try {
      const onA = await connectTestClient(a.url, { name: 'on-a', type: 'port' });
      const events = await onA.getService('EventService');
      await events.callRemote('sendHeartbeat', 1, { spoolDepth: 7 });
      interface Row {
        daemon: string;
        hub: string;
        connected: boolean;
        figures: Record<string, number>;
      }
      const statusOnB = async (): Promise<{ daemons: Row[] }> => {
        const r = await b.zhub.app.inject({
          method: 'GET',
          url: '/api/status',
          headers: {
            authorization: `Basic ${Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64')}`,
          },
        });
        return r.json<{ daemons: Row[] }>();
      };
      let seen: Row | undefined;
      for (let i = 0; i < 100 && !seen?.figures.spoolDepth; i++) {
        seen = (await statusOnB()).daemons.find((d) => d.daemon === 'on-a');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(seen).toMatchObject({
        hub: a.zhub.hub.name,
        connected: true,
        figures: { spoolDepth: 7 },
      });
      // Both hubs check heartbeats; the lapse is reported once.
      await new Promise((r) => setTimeout(r, 2_500));
      const missing = await a.zhub.hub.env.store.events.queryEvents({
        device: 'on-a',
        state: 'active',
      });
      expect(missing.events.map((e) => [e.eventClass, e.count])).toEqual([
        ['/Status/Heartbeat', 1],
      ]);
      onA.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
