// The ping collector against Debian's real fping: round trips and loss from 127.0.0.x, many
// devices in one fping run, a device that does not answer (a black-holed route in a network
// namespace of the test's own), and ping-down suppression: while a device is down its other
// tasks on the daemon pause, one "down" event is raised, and all resumes and clears when it
// answers again. Then `zhub daemon ping` end to end through a real hub.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PingCollector,
  type CollectContext,
  type CollectResult,
  type Collector,
  type DeviceConfig,
} from '../../daemons/index.js';
import { silentLogger } from '../../shared/index.js';
import { testHub, type TestHub } from '../../testing/index.js';
import { adminApi, runCli, runDaemonOnce, startCliHub, stopCliHub } from '../support/cli.js';
import { DOWN_ADDRESS, netnsFping, type NetnsFping } from '../support/fping-netns.js';

const device = (id: string, address: string): DeviceConfig =>
  ({
    id,
    address,
    collector: 'localhost',
    properties: {},
    datasources: [],
  }) as unknown as DeviceConfig;

const pingSource = {
  name: 'ping',
  type: 'ping',
  params: { count: 2, timeout: 0.3 },
  datapoints: [],
};

describe('the ping collector against fping', () => {
  let fping: NetnsFping;
  beforeAll(() => {
    fping = netnsFping();
  });
  afterAll(() => fping.remove());

  const ping = (
    c: PingCollector,
    d: DeviceConfig,
    params: Record<string, unknown> = pingSource.params,
  ) =>
    c.collect({
      device: d,
      datasource: { ...pingSource, params },
      signal: new AbortController().signal,
      log: silentLogger(),
    });

  it('measures round trip and loss, many devices in one fping run', async () => {
    const c = new PingCollector({ command: fping.command });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ping(c, device(`d${i}`, `127.0.0.${i + 1}`))),
    );
    expect(c.fping.runs).toBe(1);
    for (const r of results) {
      expect(r.deviceUp).toBe(true);
      const byName = Object.fromEntries(r.values.map((v) => [v.datapoint, v.value]));
      expect(byName.loss).toBe(0);
      expect(byName.rtt).toBeGreaterThan(0);
      expect(byName.rttMax).toBeGreaterThanOrEqual(byName.rtt as number);
      expect(r.events?.[0]).toMatchObject({ eventClass: '/Status/Ping', severity: 0 });
    }
  });

  it('reports a device that answers no ping as down, with one critical event', async () => {
    const c = new PingCollector({ command: fping.command });
    const [down, up] = await Promise.all([
      ping(c, device('gone', DOWN_ADDRESS)),
      ping(c, device('here', '127.0.0.1')),
    ]);
    expect(down.deviceUp).toBe(false);
    expect(down.values).toEqual([{ datapoint: 'loss', value: 100 }]);
    expect(down.events).toEqual([
      expect.objectContaining({ device: 'gone', eventKey: 'ping', severity: 5 }),
    ]);
    expect(down.events?.[0]?.summary).toMatch(/is down/);
    expect(up.deviceUp).toBe(true);
  });

  it('refuses an address fping could take for an option, and says when fping is missing', async () => {
    const c = new PingCollector({ command: fping.command });
    await expect(ping(c, device('x', '-f/etc/passwd'))).rejects.toThrow(/not a host name/);
    const missing = new PingCollector({ command: '/nonexistent/fping' });
    await expect(ping(missing, device('x', '127.0.0.1'))).rejects.toThrow(
      /not found: install fping/,
    );
    await expect(ping(c, device('x', '127.0.0.1'), { count: 0 })).rejects.toThrow(/count must be/);
  });
});

class CountingCollector implements Collector {
  readonly type = 'counting';
  readonly calls = new Map<string, number>();
  collect(ctx: CollectContext): Promise<CollectResult> {
    this.calls.set(ctx.device.id, (this.calls.get(ctx.device.id) ?? 0) + 1);
    return Promise.resolve({ values: [{ datapoint: 'n', value: 1 }] });
  }
}

describe('ping-down suppression', () => {
  let fping: NetnsFping;
  let t: TestHub | undefined;
  beforeAll(() => {
    fping = netnsFping();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  afterAll(() => fping.remove());

  it("pauses a down device's other tasks with one event, and resumes and clears when it answers", async () => {
    t = await testHub();
    const datasources = [
      { name: 'poll', type: 'counting', interval: 60 },
      { ...pingSource, interval: 60 },
    ];
    await t.model.putDevices(
      [
        { id: 'gone', address: DOWN_ADDRESS, datasources },
        { id: 'here', address: '127.0.0.1', datasources },
      ],
      'add',
    );
    const counting = new CountingCollector();
    const daemon = await t.collector({
      collectors: [new PingCollector({ command: fping.command, gatherMs: 5 }), counting],
    });
    const store = t.store;
    const openPing = async () =>
      (await store.events.queryEvents({ state: 'open' })).events.filter(
        (e) => e.eventClass === '/Status/Ping' && e.device === 'gone',
      );
    // Three cycles: 'here' is polled each time; 'gone' once at most (before ping ran first).
    await t.until(() => (counting.calls.get('here') ?? 0) >= 3, 10, 20_000);
    expect(daemon.isDown('gone')).toBe(true);
    expect(counting.calls.get('gone') ?? 0).toBe(0);
    daemon.flushEvents();
    await t.until(async () => (await openPing()).length === 1, 10, 20_000);
    const [down] = await openPing();
    expect(down).toMatchObject({ severity: 5 });
    expect(daemon.suppressedRuns).toBeGreaterThanOrEqual(2);

    fping.answer(true);
    await t.until(() => (counting.calls.get('gone') ?? 0) >= 1, 10, 20_000);
    expect(daemon.isDown('gone')).toBe(false);
    daemon.flushEvents();
    await t.until(async () => (await openPing()).length === 0, 10, 20_000);

    // Down again, then its ping datasource removed: nothing says it is down any more.
    fping.answer(false);
    await t.until(() => daemon.isDown('gone'), 10, 20_000);
    await t.model.editDevice('gone', { datasources: [datasources[0]] });
    await t.until(() => !daemon.isDown('gone'), 10, 20_000);
    const polled = counting.calls.get('gone') ?? 0;
    await t.until(() => (counting.calls.get('gone') ?? 0) > polled, 10, 20_000);
  }, 120_000);
});

describe('zhub daemon ping', () => {
  let fping: NetnsFping;
  let hub: Awaited<ReturnType<typeof startCliHub>>;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    fping = netnsFping();
    dir = await mkdtemp(join(tmpdir(), 'zhub-ping-daemon-'));
    hub = await startCliHub(['--data', join(dir, 'hub')]);
    env = {
      ZHUB_PASSWORD: /password: (\S+)/.exec(hub.output())?.[1] as string,
      ZHUB_FPING: fping.command,
    };
  });
  afterAll(async () => {
    await stopCliHub(hub);
    fping.remove();
  });

  it('pings a device once and delivers its round trip', async () => {
    const zhub = (...args: string[]) => runCli([...args, '--hub', hub.url], { env });
    const add = await zhub(
      'device',
      'add',
      'edge-1',
      '--address',
      '127.0.0.1',
      '--datasource',
      JSON.stringify({ name: 'ping', type: 'ping', params: { count: 2 } }),
    );
    expect(add.code).toBe(0);
    const run = await runDaemonOnce(zhub, 'ping', 'edge-1', join(dir, 'daemon'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const body = await adminApi(hub, env.ZHUB_PASSWORD as string)<{ points: { v: number }[] }>(
      'GET',
      '/api/metrics?device=edge-1&metric=rtt&from=0',
    );
    expect(body.points.length).toBe(1);
    expect(body.points[0]?.v).toBeGreaterThan(0);
  });
});
