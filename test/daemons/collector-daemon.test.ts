import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CollectorDaemon,
  type CollectContext,
  type CollectResult,
  type Collector,
} from '../../daemons/index.js';
import { memoryHub, MEMORY_PASSWORD } from '../support/memory-hub.js';
import { untilWithClock } from '../support/until.js';
import type { SqliteStore } from '../../hub/index.js';

/** A collector whose readings the test sets. */
class FakeCollector implements Collector {
  readonly type = 'fake';
  readings = new Map<string, number>();
  calls: string[] = [];
  async collect({ device, datasource }: CollectContext): Promise<CollectResult> {
    this.calls.push(`${device.id}/${datasource.name}`);
    await Promise.resolve();
    return {
      values: [
        { datapoint: 'temp', value: this.readings.get(`${device.id}:temp`) ?? 20 },
        { datapoint: 'octets', value: this.readings.get(`${device.id}:octets`) ?? 0 },
        { datapoint: 'ignored', value: 1 },
      ],
    };
  }
}

const fakeDevice = (id: string, interval = 10) => ({
  id,
  address: `${id}.example`,
  datasources: [
    {
      name: 'env',
      type: 'fake',
      interval,
      datapoints: [
        { name: 'temp', threshold: { max: 50, severity: 4 } },
        { name: 'octets', type: 'counter' as const },
      ],
    },
    { name: 'other', type: 'not-mine', datapoints: [] },
  ],
});

async function setup() {
  const env = await memoryHub({ dataLimits: { pushDelayMs: 50 } });
  const dataDir = await mkdtemp(join(tmpdir(), 'zhub-collector-'));
  const fake = new FakeCollector();
  const make = (over: Partial<ConstructorParameters<typeof CollectorDaemon>[0]> = {}) =>
    new CollectorDaemon({
      url: 'memory://hub',
      username: 'daemon',
      password: MEMORY_PASSWORD,
      name: 'fake-1',
      dataDir,
      clock: env.clock,
      connector: env.connector,
      collectors: [fake],
      random: () => 0,
      limits: { pingIntervalMs: 86_400_000, connectTimeoutMs: 3_600_000 },
      sender: { batchSize: 100, maxInFlight: 2, flushIntervalMs: 200, retryMs: 200 },
      logger: pino({ level: 'silent' }),
      ...over,
    });
  const until = (cond: () => boolean, stepMs = 100): Promise<void> =>
    untilWithClock(env.clock, cond, stepMs);
  return {
    env,
    fake,
    make,
    until,
    dataDir,
    model: env.hub.env.model,
    store: env.hub.env.store as SqliteStore,
  };
}

describe('CollectorDaemon', () => {
  const daemons: CollectorDaemon[] = [];
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop();
  });

  it('pulls its devices, schedules its datasource types, and delivers samples, rates and threshold events', async () => {
    const { fake, make, until, model, store } = await setup();
    await model.putDevices([fakeDevice('r1')], 'add');
    const d = make();
    daemons.push(d);
    await d.startCollecting();
    await until(() => d.devices.has('r1') && d.scheduler.has('r1@10s'));
    expect(d.scheduler.ids()).toEqual(['r1@10s']); // 'not-mine' datasources are not scheduled
    fake.readings.set('r1:octets', 1000);
    await until(() => fake.calls.length >= 1);
    fake.readings.set('r1:temp', 75);
    fake.readings.set('r1:octets', 6000);
    await until(() => fake.calls.length >= 2);
    d.flushEvents();
    await until(() => d.spool.depth() === 0 && store.metrics.countSamples() >= 3);
    const rate = store.metrics.queryMetrics({
      device: 'r1',
      metric: 'octets',
      from: 0,
      to: Date.now() * 2,
    });
    expect(rate.map((p) => p.v)).toEqual([500]); // (6000 - 1000) octets over the 10 s interval
    expect(
      store.metrics
        .listSeries('r1')
        .map((s) => s.metric)
        .sort(),
    ).toEqual(['octets', 'temp']);
    expect(store.events.queryEvents({ state: 'open' }).events[0]).toMatchObject({
      device: 'r1',
      eventClass: '/Perf/Threshold',
      severity: 4,
    });
    fake.readings.set('r1:temp', 30);
    await until(() => fake.calls.length >= 3);
    d.flushEvents();
    await until(
      () => d.spool.depth() === 0 && store.events.queryEvents({ state: 'open' }).total === 0,
    );
  });

  it('applies pushed additions, moves and deletions, and stops the tasks of deleted devices', async () => {
    const { make, until, model } = await setup();
    await model.putCollector({ name: 'dc2', properties: {} });
    const d = make();
    daemons.push(d);
    await d.startCollecting();
    await until(() => d.ready);
    await model.putDevices([fakeDevice('a'), fakeDevice('b', 30)], 'add');
    await until(() => d.scheduler.has('a@10s') && d.scheduler.has('b@30s'));
    await model.editDevice('b', { collector: 'dc2' });
    await until(() => !d.devices.has('b') && !d.scheduler.has('b@30s'));
    await model.removeDevices(['a']);
    await until(() => d.devices.size === 0 && d.scheduler.ids().length === 0);
  });

  it('reschedules when the cycle interval changes, and coalesces full reload notices', async () => {
    const { env, make, until, model } = await setup();
    await model.putDevices(
      [{ id: 'c', address: 'c', datasources: [{ name: 'env', type: 'fake', datapoints: [] }] }],
      'add',
    );
    const d = make();
    daemons.push(d);
    await d.startCollecting();
    await until(() => d.scheduler.has('c@300s'));
    d.remote_setPropertyItems({ cycleInterval: 60 });
    expect(d.scheduler.ids()).toEqual(['c@60s']);
    let pulls = 0;
    const original = d.pullConfig.bind(d);
    d.pullConfig = async () => {
      pulls++;
      return original();
    };
    for (let i = 0; i < 5; i++) d.remote_notifyConfigChanged();
    env.clock.advance(1_000);
    await until(() => pulls > 0);
    env.clock.advance(5_000);
    expect(pulls).toBe(1);
  });

  it('collects from its cached configuration when restarted while the hub is unreachable', async () => {
    const { env, fake, make, until, model } = await setup();
    await model.putDevices([fakeDevice('cached')], 'add');
    const first = make();
    await first.startCollecting();
    await until(() => first.devices.has('cached'));
    await until(() => fake.calls.length > 0);
    await first.stop(); // saves the configuration it holds
    const { stat } = await import('node:fs/promises');
    const { dataDir } = (first as unknown as { opts: { dataDir: string } }).opts;
    expect((await stat(join(dataDir, 'config-cache.json'))).mode & 0o777).toBe(0o600);
    env.setRefusing(true);
    fake.calls = [];
    const second = make();
    daemons.push(second);
    await second.startCollecting();
    expect(second.devices.has('cached')).toBe(true);
    await until(() => fake.calls.length > 0);
    expect(second.ready).toBe(false);
    expect(second.spool.depth()).toBeGreaterThan(0); // collected into the spool meanwhile
  });
});
