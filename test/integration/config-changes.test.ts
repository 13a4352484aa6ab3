import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorDaemon, type CollectResult, type Collector } from '../../daemons/index.js';
import type { Device } from '../../hub/index.js';
import { Referenceable } from '../../shared/index.js';
import { connectTestClient, startHub, TEST_PASSWORD, TEST_USER } from '../support/hub-fixture.js';
import { eventually } from '../support/until.js';

class Idle implements Collector {
  readonly type = 'fake';
  collect(): Promise<CollectResult> {
    return Promise.resolve({ values: [] });
  }
}

/** Counts what the hub pushes to one listener. */
class Counting extends Referenceable {
  updates: Device[][] = [];
  properties: Record<string, unknown>[] = [];
  remote_updateDeviceConfigs(devices: Device[]): void {
    this.updates.push(devices);
  }
  remote_deleteDevices(): void {}
  remote_notifyConfigChanged(): void {}
  remote_setPropertyItems(items: Record<string, unknown>): boolean {
    this.properties.push(items);
    return true;
  }
}

describe('every model change reaches the listening daemons, and only real changes', () => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  let base: string;
  let daemon: CollectorDaemon;
  const auth = `Basic ${Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64')}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/api${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    hub = await startHub({
      dataDir: await mkdtemp(join(tmpdir(), 'zhub-changes-')),
      dataLimits: { pushDelayMs: 50 },
    });
    base = hub.url.replace(/^ws/, 'http').replace(/\/hub$/, '');
    await hub.zhub.hub.env.model.putDevices(
      [{ id: 'r1', address: '192.0.2.1', datasources: [{ name: 'env', type: 'fake' }] }],
      'add',
    );
    daemon = new CollectorDaemon({
      url: hub.url,
      username: TEST_USER,
      password: TEST_PASSWORD,
      name: 'changes-1',
      dataDir: await mkdtemp(join(tmpdir(), 'zhub-changes-d-')),
      collectors: [new Idle()],
      logger: pino({ level: 'silent' }),
    });
    await daemon.startCollecting();
    await eventually(() => daemon.scheduler.has('r1@300s'));
  });
  afterAll(async () => {
    await daemon.stop();
    await hub.close();
  });

  it('a collector property edited through the HTTP API changes the daemon schedule within a second', async () => {
    let t0 = Date.now();
    const edit = await api('POST', '/collectors', {
      name: 'localhost',
      properties: { cycleInterval: 60 },
    });
    expect(edit.status).toBe(200);
    await eventually(() => daemon.scheduler.has('r1@60s'), 1_000);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(daemon.scheduler.ids()).toEqual(['r1@60s']);
    // The edit route (what `zhub collector edit` uses) does the same.
    t0 = Date.now();
    const patch = await api('PATCH', '/collectors/localhost', {
      properties: { cycleInterval: 120 },
    });
    expect(patch.status).toBe(200);
    await eventually(() => daemon.scheduler.has('r1@120s'), 1_000);
    expect(Date.now() - t0).toBeLessThan(1_000);
    const unknown = await api('PATCH', '/collectors/nowhere', {
      properties: { cycleInterval: 60 },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'HUB_ERR_NOT_FOUND' } });
  });

  it('an upsert or a collector merge that changes nothing is not pushed, and bumps no generation', async () => {
    const listener = new Counting();
    const client = await connectTestClient(hub.url, { name: 'counting' });
    try {
      await client.getService('ConfigService', { listener });
      const model = hub.zhub.hub.env.model;
      const store = hub.zhub.hub.env.store.model;
      const gen = (await store.getCollector('localhost'))?.generation;
      const same = await store.getDevice('r1');
      await model.putDevices(
        [{ id: 'r1', address: '192.0.2.1', datasources: [{ name: 'env', type: 'fake' }] }],
        'upsert',
      );
      await model.putCollector({ name: 'localhost', properties: { cycleInterval: 120 } });
      // A real change afterwards: when it has arrived, nothing else can still be on its way.
      await model.putDevices([{ id: 'r2', address: '192.0.2.2' }], 'add');
      await eventually(() => listener.updates.length > 0);
      expect(listener.updates.flat().map((d) => d.id)).toEqual(['r2']);
      expect(listener.properties).toEqual([]);
      expect((await store.getDevice('r1'))?.updatedAt).toBe(same?.updatedAt);
      expect((await store.getCollector('localhost'))?.generation).toBe((gen as number) + 1);
      await model.putCollector({ name: 'localhost', properties: { configCycleInterval: 3600 } });
      await eventually(() => listener.properties.length === 1);
      expect(listener.properties[0]).toMatchObject({
        cycleInterval: 120,
        configCycleInterval: 3600,
      });
    } finally {
      client.close();
    }
  });
});
