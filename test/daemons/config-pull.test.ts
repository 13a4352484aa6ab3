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
  type ServiceProxy,
} from '../../daemons/index.js';
import type { DataLimits } from '../../hub/index.js';
import { fleet, fleetDevice } from '../support/fleet.js';
import { memoryHub, MEMORY_PASSWORD } from '../support/memory-hub.js';
import { untilWithClock } from '../support/until.js';

class IdleCollector implements Collector {
  readonly type = 'fake';
  collect(_ctx: CollectContext): Promise<CollectResult> {
    return Promise.resolve({ values: [] });
  }
}

async function setup(dataLimits: Partial<DataLimits> = {}) {
  const env = await memoryHub({ dataLimits: { pushDelayMs: 50, ...dataLimits } });
  const dataDir = await mkdtemp(join(tmpdir(), 'zhub-pull-'));
  const make = (name = 'pull-1') =>
    new CollectorDaemon({
      url: 'memory://hub',
      username: 'daemon',
      password: MEMORY_PASSWORD,
      name,
      dataDir,
      clock: env.clock,
      connector: env.connector,
      collectors: [new IdleCollector()],
      random: () => 0,
      limits: { pingIntervalMs: 86_400_000, connectTimeoutMs: 3_600_000 },
      logger: pino({ level: 'silent' }),
    });
  const until = (cond: () => boolean): Promise<void> => untilWithClock(env.clock, cond, 100);
  /** The largest frame the hub has sent on any connection. */
  const largestHubFrame = (): number =>
    Math.max(0, ...env.serverEnds.flatMap((t) => t.sent.map((f) => Buffer.byteLength(f))));
  return { env, make, until, dataDir, model: env.hub.env.model, largestHubFrame };
}

/** The hub's view of a monitor: device id → updatedAt. */
async function hubView(
  env: Awaited<ReturnType<typeof setup>>['env'],
  collector = 'localhost',
): Promise<Map<string, number>> {
  const all = await env.hub.env.store.model.listDevices({ collector, limit: 1_000_000 });
  return new Map(all.devices.map((d) => [d.id, d.updatedAt]));
}

const daemonView = (d: CollectorDaemon): Map<string, number> =>
  new Map([...d.devices.values()].map((x) => [x.id, x.updatedAt ?? 0]));

describe('the paged config pull', () => {
  const daemons: CollectorDaemon[] = [];
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop();
  });

  it('gives a fresh daemon all 3,000 devices of 2.3 KB, no frame near the frame limit', async () => {
    const { make, until, model, largestHubFrame } = await setup();
    await model.putDevices(fleet(3_000), 'add');
    const d = make();
    daemons.push(d);
    await d.startCollecting();
    await until(() => d.devices.size === 3_000);
    expect(d.scheduler.ids()).toHaveLength(3_000);
    // One page is bounded by pullPageBytes (1 MiB), not by the monitor (about 7 MB here).
    expect(largestHubFrame()).toBeLessThan(1.25 * 1024 * 1024);
  });

  it('reconnecting after an outage gets the additions, edits, moves and removals made meanwhile', async () => {
    const { env, make, until, model } = await setup({ pullPageDevices: 50, pullPageIds: 200 });
    await model.putCollector({ name: 'dc2', properties: {} });
    await model.putDevices(fleet(600), 'add');
    const d = make();
    daemons.push(d);
    await d.startCollecting();
    await until(() => d.devices.size === 600);
    // The outage: the hub refuses connections and the daemon's connection drops.
    env.setRefusing(true);
    for (const t of env.serverEnds) t.terminate();
    await until(() => d.client.state !== 'connected');
    await model.putDevices(fleet(100, 'localhost', 600), 'add');
    await model.putDevices([{ ...fleetDevice(5), title: 'edited' }], 'upsert');
    await model.putDevices([{ ...fleetDevice(7), collector: 'dc2' }], 'upsert');
    await model.removeDevices(['dev-000009', 'dev-000599']);
    env.setRefusing(false);
    const want = await hubView(env);
    await until(
      () =>
        d.ready && d.devices.size === want.size && d.devices.get('dev-000005')?.title === 'edited',
    );
    await until(() => !d.devices.has('dev-000007'));
    expect(daemonView(d)).toEqual(want);
    expect(d.scheduler.ids()).toHaveLength(want.size);
  });

  it('a pull cut off by a disconnect resumes and ends with no device lost, doubled or left over', async () => {
    const { env, make, until, model } = await setup({ pullPageDevices: 20, pullPageIds: 50 });
    await model.putDevices(fleet(400), 'add');
    // The daemon held devices the hub no longer has (its cache from before they were removed).
    const d = make();
    daemons.push(d);
    let pages = 0;
    let cut = false;
    const original = d.client.getService.bind(d.client) as (
      name: string,
      opts?: object,
    ) => Promise<ServiceProxy>;
    (d.client as { getService: unknown }).getService = async (name: string, opts?: object) => {
      const svc = await original(name, opts);
      if (name !== 'ConfigService') return svc;
      const call = svc.callRemoteWithOptions.bind(svc);
      svc.callRemoteWithOptions = (async (o: object, method: string, ...rest: unknown[]) => {
        const answer = await call(o, method, ...rest);
        if (method === 'getDeviceConfigPage' && ++pages === 4 && !cut) {
          cut = true;
          // The connection drops with the pull a few pages in; the model changes meanwhile.
          for (const t of env.serverEnds) t.terminate();
          await model.removeDevices(['dev-000001', 'dev-000399']);
          await model.putDevices(fleet(10, 'localhost', 400), 'add');
        }
        return answer;
      }) as typeof svc.callRemoteWithOptions;
      return svc;
    };
    await d.startCollecting();
    await until(() => cut);
    const want = await hubView(env);
    await until(() => d.ready && d.devices.size === want.size && !d.devices.has('dev-000399'));
    await until(() => d.devices.has('dev-000409'));
    expect(daemonView(d)).toEqual(want);
    expect(new Set(d.scheduler.ids()).size).toBe(want.size);
    expect(d.scheduler.ids()).toHaveLength(want.size);
  });

  it('removes at the end of a pull what the hub no longer has, and keeps what was pushed during it', async () => {
    const { make, until, model, env, dataDir } = await setup({
      pullPageDevices: 10,
      pullPageIds: 30,
    });
    await model.putDevices(fleet(100), 'add');
    const first = make();
    await first.startCollecting();
    await until(() => first.devices.size === 100);
    await first.stop(); // its cache holds 100 devices
    await model.removeDevices(['dev-000000', 'dev-000050']);
    const second = make();
    daemons.push(second);
    expect(second.devices.size).toBe(0);
    await second.startCollecting();
    expect(second.devices.size).toBe(100); // from the cache
    await until(() => second.devices.size === 98);
    expect(second.devices.has('dev-000050')).toBe(false);
    // A device added (with an id early in the order) while a full pull is under way survives it.
    second.remote_notifyConfigChanged();
    env.clock.advance(1_000);
    await model.putDevices([{ id: 'aaa-first', address: '192.0.2.1' }], 'add');
    await until(() => second.devices.has('aaa-first'));
    env.clock.advance(5_000);
    await until(() => second.devices.size === 99);
    void dataDir;
  });

  it('refuses a forged cursor with HUB_ERR_BAD_ARGUMENT naming the field', async () => {
    const { env } = await setup();
    const c = await env.connected({ monitor: 'localhost' });
    try {
      const svc = await c.getService('ConfigService');
      await expect(
        svc.callRemote('getDeviceConfigPage', 0, 'bm90IGEgY3Vyc29y'),
      ).rejects.toMatchObject({
        code: 'HUB_ERR_BAD_ARGUMENT',
        data: { field: 'cursor' },
      });
      await expect(svc.callRemote('getDeviceConfigPage', -1, null)).rejects.toMatchObject({
        code: 'HUB_ERR_BAD_ARGUMENT',
        data: { field: 'since' },
      });
    } finally {
      c.close();
    }
  });
});
