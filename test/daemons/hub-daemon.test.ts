import { pino } from 'pino';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HubDaemon, type HubDaemonOptions } from '../../daemons/index.js';
import { memoryHub, MEMORY_PASSWORD } from '../support/memory-hub.js';
import { untilWithClock } from '../support/until.js';
import type { SqliteStore } from '../../hub/index.js';

async function setup(extra: Partial<HubDaemonOptions> = {}) {
  const env = await memoryHub();
  const dataDir = await mkdtemp(join(tmpdir(), 'zhub-daemon-'));
  const make = (over: Partial<HubDaemonOptions> = {}) => {
    return new HubDaemon({
      url: 'memory://hub',
      username: 'daemon',
      password: MEMORY_PASSWORD,
      type: 'test',
      name: 'collector-1',
      dataDir,
      clock: env.clock,
      connector: env.connector,
      random: () => 0.5,
      limits: { pingIntervalMs: 86_400_000, connectTimeoutMs: 3_600_000 },
      sender: { batchSize: 100, maxInFlight: 3, flushIntervalMs: 500, retryMs: 500 },
      logger: pino({ level: 'silent' }),
      ...extra,
      ...over,
    });
  };
  /** Turns the event loop and the manual clock until `cond` holds. */
  const until = (cond: () => boolean, stepMs = 100): Promise<void> =>
    untilWithClock(env.clock, cond, stepMs);
  return { env, dataDir, make, until, store: env.hub.env.store as SqliteStore };
}

const samples = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    device: 'd1',
    metric: 'm',
    value: from + i,
    timestamp: 1_000_000 + from + i,
  }));

describe('HubDaemon', () => {
  const daemons: HubDaemon[] = [];
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop();
  });

  it('gets its services with itself as listener and answers the hub', async () => {
    const { env, make, until } = await setup();
    const d = make();
    daemons.push(d);
    d.start();
    await until(() => d.ready);
    const session = [...env.hub.sessions][0];
    expect(await session?.broker.remoteRoot().callRemote('getName')).toBe('collector-1');
    // Asked for at start, its services came with the login's answer: no getService call.
    const served = env.hub.env.metrics.methods();
    expect(served.find((m) => m.method === 'login')?.calls).toBe(1);
    expect(served.filter((m) => m.method === 'getService')).toEqual([]);
    // It sent its first heartbeat on connecting.
    await until(() => env.hub.env.heartbeats.list().some((h) => h.daemon === 'collector-1'));
  });

  it('delivers everything exactly once across a dropped connection, collecting meanwhile', async () => {
    const { env, make, until, store } = await setup();
    const d = make();
    daemons.push(d);
    d.start();
    await until(() => d.ready);
    d.writeMetrics(samples(0, 450));
    d.flushSamples();
    d.sendEvent({ device: 'd1', severity: 4, summary: 'first' });
    await until(() => d.spool.depth() === 0);
    // The hub goes away mid-stream; collection goes on into the spool.
    d.writeMetrics(samples(450, 250));
    d.flushSamples();
    env.serverEnds[env.serverEnds.length - 1]?.close(1011, 'hub died');
    d.writeMetrics(samples(700, 300));
    d.flushSamples();
    d.sendEvent({ device: 'd1', severity: 5, summary: 'while away' });
    d.flushEvents();
    expect(d.spool.depth()).toBeGreaterThan(0);
    await until(() => d.ready && d.spool.depth() === 0, 500);
    expect(store.metrics.countSamples()).toBe(1000);
    const values = store.metrics
      .queryMetrics({ device: 'd1', metric: 'm', from: 0, to: 2_000_000, limit: 5000 })
      .map((p) => p.v);
    expect(new Set(values).size).toBe(1000);
    expect(store.events.countEvents().occurrences).toBe(2);
  });

  it('resumes from its spool after a restart and numbers items above what the hub has', async () => {
    const { make, until, store, dataDir } = await setup();
    const first = make();
    first.start();
    await until(() => first.ready);
    first.writeMetrics(samples(0, 100));
    first.flushSamples();
    await until(() => first.spool.depth() === 0);
    // Stopped with items still unsent (the hub never saw them).
    first.client.close();
    first.writeMetrics(samples(100, 50));
    first.flushSamples();
    await first.stop();
    const second = make();
    daemons.push(second);
    expect(second.spool.depth()).toBe(50);
    second.start();
    await until(() => second.ready && second.spool.depth() === 0);
    expect(store.metrics.countSamples()).toBe(150);
    // A daemon whose spool was lost (a new data dir) must not have its items taken for duplicates.
    // (The old process is gone: a second live spool under the name would be refused.)
    await second.stop();
    const fresh = make({ dataDir: await mkdtemp(join(tmpdir(), 'zhub-daemon-')) });
    daemons.push(fresh);
    fresh.start();
    await until(() => fresh.ready);
    fresh.writeMetrics(samples(1000, 10));
    fresh.flushSamples();
    await until(() => fresh.spool.depth() === 0);
    expect(store.metrics.countSamples()).toBe(160);
    void dataDir;
  });

  it('collapses duplicate events and drops repeated clears before the spool', async () => {
    const { make, until, store } = await setup();
    const d = make();
    daemons.push(d);
    d.start();
    await until(() => d.ready);
    for (let i = 0; i < 5; i++)
      d.sendEvent({
        device: 'd1',
        component: 'eth0',
        eventClass: '/Net',
        eventKey: 'link',
        severity: 4,
        summary: `down ${i}`,
      });
    d.sendEvent({
      device: 'd1',
      component: 'eth0',
      eventClass: '/Net',
      eventKey: 'link',
      severity: 0,
      summary: 'up',
    });
    d.sendEvent({
      device: 'd1',
      component: 'eth0',
      eventClass: '/Net',
      eventKey: 'link',
      severity: 0,
      summary: 'up again',
    });
    expect(d.eventQueue.suppressedClears).toBe(1);
    d.flushEvents();
    await until(() => d.spool.depth() === 0);
    const [evt] = store.events.queryEvents({}).events;
    expect(evt).toMatchObject({ count: 5, summary: 'down 4', state: 'closed' });
  });
});
