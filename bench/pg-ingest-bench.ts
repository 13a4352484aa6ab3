// Ingest with the PostgreSQL store: `zhub hub --store postgres://… --workers N` (N = 1, then 2)
// and daemon processes streaming metric batches; durable = counted in the database afterwards
// (and checked equal to what was acknowledged). Each run uses a schema of its own, dropped after.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HubClient } from '../daemons/index.js';
import { PgStore, UserStore } from '../hub/index.js';
import { Referenceable } from '../shared/index.js';
import { HubProcess, sleep, tempDir } from '../proof/support/processes.js';
import { forkTs, nextMessage } from './process-pair.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

export interface PgIngestResult {
  workers: number;
  daemons: number;
  stored: number;
  durablePerSec: number;
  p50AckMs: number;
  p99AckMs: number;
}

/** The server the bench uses: ZHUB_BENCH_PG, else ZHUB_TEST_PG, else the local one. */
export const benchPgUrl = (): string =>
  process.env.ZHUB_BENCH_PG ??
  process.env.ZHUB_TEST_PG ??
  'postgres://postgres@127.0.0.1:5432/test';

export async function pgIngestBench(opts: {
  workers: number;
  daemons: number;
  seconds: number;
  batchSize: number;
  inflight: number;
}): Promise<PgIngestResult> {
  const schema = `zhub_bench_${randomBytes(4).toString('hex')}`;
  const u = new URL(benchPgUrl());
  u.searchParams.set('schema', schema);
  const dataDir = tempDir('bench-pg');
  const users = new UserStore(join(dataDir, 'hubpasswd.json'));
  await users.set(BENCH_USER, BENCH_PASSWORD);
  await users.save();
  const hub = await HubProcess.create({
    dataDir,
    args: ['--store', u.toString(), '--workers', String(opts.workers)],
  });
  await hub.start();
  await sleep(2_000); // every worker listening
  const store = await PgStore.open({ url: benchPgUrl(), schema });
  try {
    const clients = Array.from({ length: opts.daemons }, (_, i) =>
      forkTs('./ingest-client.ts', [
        hub.url,
        'metrics',
        String(opts.seconds),
        String(opts.batchSize),
        String(opts.inflight),
        `bench-pg-${i}`,
      ]),
    );
    await Promise.all(clients.map((c) => nextMessage(c, (m) => (m.ready ? true : undefined))));
    const results = clients.map((c) =>
      nextMessage(
        c,
        (m) => m.result as { acked: number; p50: number; p99: number } | undefined,
        opts.seconds * 1000 + 60_000,
      ),
    );
    const t0 = performance.now();
    for (const c of clients) c.send('go');
    const rs = await Promise.all(results);
    const elapsed = (performance.now() - t0) / 1000;
    const stored = await store.metrics.countSamples();
    const acked = rs.reduce((n, r) => n + r.acked, 0);
    if (stored !== acked)
      throw new Error(`database holds ${stored} but ${acked} were acknowledged`);
    return {
      workers: opts.workers,
      daemons: opts.daemons,
      stored,
      durablePerSec: stored / elapsed,
      p50AckMs: Math.max(...rs.map((r) => r.p50)),
      p99AckMs: Math.max(...rs.map((r) => r.p99)),
    };
  } finally {
    await hub.stop();
    await store.pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await store.close();
  }
}

/** A daemon-side listener that notes when each pushed device arrives. */
class PushWatcher extends Referenceable {
  readonly arrived = new Map<string, number>();
  remote_updateDeviceConfigs(devices: { id: string }[]): void {
    for (const d of devices) this.arrived.set(d.id, performance.now());
  }
  remote_deleteDevices(): void {}
  remote_notifyConfigChanged(): void {}
}

/**
 * Change propagation across hubs: two `zhub hub --store` processes; a device added through hub
 * A's HTTP API, timed until a daemon listening on hub B has it pushed (LISTEN/NOTIFY, a read
 * of what changed, then the push's own 200 ms coalescing).
 */
export async function pgPropagationBench(
  changes: number,
): Promise<{ p50Ms: number; maxMs: number }> {
  const schema = `zhub_bench_${randomBytes(4).toString('hex')}`;
  const u = new URL(benchPgUrl());
  u.searchParams.set('schema', schema);
  const hubs: HubProcess[] = [];
  for (let i = 0; i < 2; i++) {
    const dataDir = tempDir('bench-pg');
    const users = new UserStore(join(dataDir, 'hubpasswd.json'));
    await users.set(BENCH_USER, BENCH_PASSWORD);
    await users.save();
    const hub = await HubProcess.create({ dataDir, args: ['--store', u.toString()] });
    await hub.start();
    hubs.push(hub);
  }
  const [a, b] = hubs as [HubProcess, HubProcess];
  const watcher = new PushWatcher();
  const client = new HubClient({
    url: b.url,
    username: BENCH_USER,
    password: BENCH_PASSWORD,
    name: 'bench-watcher',
    root: watcher,
  });
  const store = await PgStore.open({ url: benchPgUrl(), schema });
  try {
    client.start();
    await client.whenConnected(15_000);
    await client.getService('ConfigService', { listener: watcher });
    const auth = `Basic ${Buffer.from(`${BENCH_USER}:${BENCH_PASSWORD}`).toString('base64')}`;
    const took: number[] = [];
    for (let i = 0; i < changes; i++) {
      const id = `moved-${i}`;
      const t0 = performance.now();
      const r = await fetch(`${a.httpUrl}/api/devices`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ id, address: '10.0.0.1' }),
      });
      if (!r.ok) throw new Error(`adding a device failed: ${r.status}`);
      const end = t0 + 10_000;
      while (!watcher.arrived.has(id) && performance.now() < end) await sleep(5);
      const at = watcher.arrived.get(id);
      if (at === undefined) throw new Error(`device ${id} never reached the daemon on hub B`);
      took.push(at - t0);
      await sleep(300);
    }
    took.sort((x, y) => x - y);
    return { p50Ms: took[Math.floor(took.length / 2)] as number, maxMs: took.at(-1) as number };
  } finally {
    client.close();
    for (const h of hubs) await h.stop();
    await store.pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await store.close();
  }
}
