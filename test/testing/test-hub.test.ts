import { afterEach, describe, expect, it } from 'vitest';
import type { CollectContext, CollectResult, Collector } from '../../daemons/index.js';
import { HubService, type Caller } from '../../hub/index.js';
import { TEST_USER, testHub, type TestHub } from '../../testing/index.js';

class CounterService extends HubService {
  static withCaller = ['bump'];
  private n = 0;
  remote_bump(caller: Caller, by: number): string {
    this.n += by;
    return `${caller.daemon}:${this.n}`;
  }
}

class ConstantCollector implements Collector {
  readonly type = 'constant';
  calls = 0;
  collect(_ctx: CollectContext): Promise<CollectResult> {
    this.calls++;
    return Promise.resolve({
      values: [{ datapoint: 'level', value: 42 }],
      events: [{ device: _ctx.device.id, severity: 3, summary: 'level is high', eventKey: 'lvl' }],
    });
  }
}

describe('zhub/testing', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('runs a service in a hub without a port and calls it from a client', async () => {
    t = await testHub({ services: [CounterService] });
    const client = await t.connect({ name: 'c1' });
    const counter = await client.getService('CounterService');
    expect(await counter.callRemote('bump', 2)).toBe('c1:2');
    expect(await counter.callRemote('bump', 3)).toBe('c1:5');
    await expect(counter.callRemote('nope')).rejects.toMatchObject({
      code: 'HUB_ERR_NO_SUCH_METHOD',
    });
  });

  it('runs a collector on the manual clock and shows what it delivered in the store', async () => {
    t = await testHub();
    await t.model.putDevices(
      [
        {
          id: 'tank-1',
          address: '127.0.0.1',
          datasources: [{ name: 'tank', type: 'constant', interval: 60, datapoints: [] }],
        },
      ],
      'add',
    );
    const collector = new ConstantCollector();
    const daemon = await t.collector({ collectors: [collector] });
    expect(daemon.devices.has('tank-1')).toBe(true);
    const store = t.store;
    await t.until(async () => (await store.metrics.countSamples()) >= 1 && collector.calls >= 1);
    daemon.flushEvents();
    await t.until(async () => (await store.events.queryEvents({ state: 'open' })).total === 1);
    const { events } = await store.events.queryEvents({ state: 'open' });
    expect(events[0]).toMatchObject({ device: 'tank-1', severity: 3, summary: 'level is high' });
    const points = await store.metrics.queryMetrics({
      device: 'tank-1',
      metric: 'level',
      from: 0,
      to: t.clock.now() + 1,
    });
    expect(points[0]?.v).toBe(42);
  });

  it('fails until() with a clear message when the condition never holds', async () => {
    t = await testHub();
    await expect(t.until(() => false, 10, 5)).rejects.toThrow(/not reached in 5 steps/);
  });
});

describe('HubDaemon.whenReady', () => {
  it('resolves only once the services are got and the spool lined up, however long that takes', async () => {
    const { HubDaemon } = await import('../../daemons/index.js');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const t = await testHub();
    const dir = await mkdtemp(join(tmpdir(), 'zhub-ready-'));
    const ends: { pause(): void; resume(): void }[] = [];
    const d = new HubDaemon({
      url: 'memory://test-hub',
      username: TEST_USER,
      password: 'test-password',
      type: 'probe',
      dataDir: dir,
      clock: t.clock,
      connector: async () => {
        const end = await t.connector();
        ends.push(end);
        return end;
      },
    });
    try {
      d.start();
      await d.client.whenConnected();
      ends[0]?.pause(); // the hub's answers to getService wait
      let resolved = false;
      const ready = d.whenReady(60_000).then(() => (resolved = true));
      for (let i = 0; i < 3000; i++) await new Promise((r) => setImmediate(r));
      expect(resolved).toBe(false);
      expect(d.ready).toBe(false);
      ends[0]?.resume();
      await ready;
      expect(d.ready).toBe(true);
    } finally {
      await d.stop();
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
