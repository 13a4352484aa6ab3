import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HubDaemon, type HubDaemonOptions } from '../../daemons/index.js';
import type { SqliteStore } from '../../hub/index.js';
import { memoryHub, MEMORY_PASSWORD } from '../support/memory-hub.js';
import { untilWithClock } from '../support/until.js';

async function setup() {
  const env = await memoryHub();
  const make = (dataDir: string, over: Partial<HubDaemonOptions> = {}) =>
    new HubDaemon({
      url: 'memory://hub',
      username: 'daemon',
      password: MEMORY_PASSWORD,
      type: 'test',
      name: 'same-name',
      dataDir,
      clock: env.clock,
      connector: env.connector,
      random: () => 0.5,
      limits: { pingIntervalMs: 86_400_000, connectTimeoutMs: 3_600_000 },
      sender: { batchSize: 25, maxInFlight: 2, flushIntervalMs: 100, retryMs: 100 },
      logger: pino({ level: 'silent' }),
      ...over,
    });
  const until = (cond: () => boolean, stepMs = 100): Promise<void> =>
    untilWithClock(env.clock, cond, stepMs);
  const store = env.hub.env.store as SqliteStore;
  /** Every stored sample value of metric `m`, sorted: each item is identified by its value. */
  const stored = (): number[] =>
    store.metrics
      .queryMetrics({ device: 'd', metric: 'm', from: 0, to: 10 ** 13, limit: 100_000 })
      .map((p) => p.v)
      .sort((a, b) => a - b);
  const dir = () => mkdtemp(join(tmpdir(), 'zhub-spool-id-'));
  return { env, make, until, store, stored, dir };
}

/** `n` samples with values from `from`; timestamps distinct so none collapse in the store. */
const items = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    device: 'd',
    metric: 'm',
    value: from + i,
    timestamp: 1_000_000 + from + i,
  }));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('spools told apart: two under one name, and one that went back in time', () => {
  const daemons: HubDaemon[] = [];
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop();
  });

  it('refuses a second live spool under one name, and stores every item either spool accepted exactly once', async () => {
    const { env, make, until, stored, dir } = await setup();
    const dirA = await dir();
    const a = make(dirA);
    daemons.push(a);
    a.start();
    await until(() => a.ready);
    a.writeMetrics(items(0, 100));
    a.flushSamples();
    await until(() => a.spool.depth() === 0);

    // B: the same name, its own spool (a copied configuration). Refused while A is live.
    const b = make(await dir());
    daemons.push(b);
    b.start();
    b.writeMetrics(items(1000, 80));
    b.flushSamples();
    for (let i = 0; i < 20; i++) {
      env.clock.advance(500);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(b.ready).toBe(false);
    expect(b.spool.depth()).toBe(80);
    const dup = env.hub.env.claims.duplicateOf({ user: 'daemon', daemon: 'same-name' });
    expect(dup?.address).toBeDefined();
    expect(a.ready).toBe(true); // the live one goes on

    // A is stopped holding items the hub never got; B takes over on its next try and delivers.
    a.client.close();
    a.writeMetrics(items(200, 60));
    a.flushSamples();
    await a.stop();
    daemons.splice(daemons.indexOf(a), 1);
    await until(() => b.ready && b.spool.depth() === 0, 500);
    b.writeMetrics(items(2000, 40));
    b.flushSamples();
    await until(() => b.spool.depth() === 0);
    await b.stop();
    daemons.splice(daemons.indexOf(b), 1);

    // A comes back: its 60 items are numbered above B's and delivered; nothing is deleted.
    const again = make(dirA);
    daemons.push(again);
    expect(again.spool.depth()).toBe(60);
    again.start();
    await until(() => again.ready && again.spool.depth() === 0);
    expect(stored()).toEqual([
      ...range(0, 100),
      ...range(200, 60),
      ...range(1000, 80),
      ...range(2000, 40),
    ]);
  });

  it('a spool restored from an older copy delivers what it collects afterwards, and nothing twice', async () => {
    const { make, until, stored, dir } = await setup();
    const dirA = await dir();
    const snapshot = await dir();
    const a = make(dirA);
    a.start();
    await until(() => a.ready);
    a.writeMetrics(items(0, 50));
    a.flushSamples();
    await until(() => a.spool.depth() === 0);
    a.client.close();
    a.writeMetrics(items(100, 20)); // pending when the copy is taken
    a.flushSamples();
    await a.stop();
    await rm(snapshot, { recursive: true });
    await cp(dirA, snapshot, { recursive: true });

    // The original goes on: delivers the 20 and 100 more.
    const original = make(dirA);
    original.start();
    await until(() => original.ready && original.spool.depth() === 0);
    original.writeMetrics(items(300, 100));
    original.flushSamples();
    await until(() => original.spool.depth() === 0);
    await original.stop();

    // The machine is rolled back to the copy; the daemon collects 30 items before it reaches the hub.
    await rm(dirA, { recursive: true });
    await cp(snapshot, dirA, { recursive: true });
    const restored = make(dirA);
    daemons.push(restored);
    restored.writeMetrics(items(500, 30));
    restored.flushSamples();
    expect(restored.spool.depth()).toBe(50);
    restored.start();
    await until(() => restored.ready && restored.spool.depth() === 0);
    expect(stored()).toEqual([
      ...range(0, 50),
      ...range(100, 20),
      ...range(300, 100),
      ...range(500, 30),
    ]);
  });

  it('a restarted daemon (same spool) takes over at once from its own half-open connection', async () => {
    const { env, make, until, dir } = await setup();
    const dirA = await dir();
    const a = make(dirA);
    daemons.push(a);
    a.start();
    await until(() => a.ready);
    // The old connection stops answering (the process died without the socket closing).
    const oldEnd = env.serverEnds.at(-1);
    oldEnd?.peer.pause();
    const b = make(dirA);
    daemons.push(b);
    const t0 = env.clock.now();
    b.start();
    await until(() => b.ready, 10);
    expect(env.clock.now() - t0).toBeLessThan(1_000); // no probe wait for the same spool
    b.writeMetrics(items(0, 10));
    b.flushSamples();
    await until(() => b.spool.depth() === 0, 10);
  });

  it('a second spool takes over from a holder that no longer answers, after the 3 s probe', async () => {
    const { env, make, until, dir, stored } = await setup();
    const a = make(await dir());
    daemons.push(a);
    a.start();
    await until(() => a.ready);
    env.serverEnds.at(-1)?.peer.pause();
    const b = make(await dir());
    daemons.push(b);
    b.writeMetrics(items(0, 10));
    b.flushSamples();
    b.start();
    await until(() => b.ready && b.spool.depth() === 0, 250);
    expect(stored()).toEqual(range(0, 10));
  });
});
