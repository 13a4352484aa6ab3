// Hostile input and connection abuse against a real hub process: the corpus and property
// tests (run through vitest, each case asserting its exact outcome), then abusive clients with
// measured figures: an upgrade flood, slow and silent sockets, a client that stops reading,
// and a flood of calls sent without waiting.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HubClient } from '../../daemons/index.js';
import { callRate, idleSockets, proofClient, type upgradeFlood } from '../support/flood.js';
import { PROOF_PASSWORD, PROOF_USER } from '../support/ledger.js';
import { HubProcess, sleep, tempDir, waitFor } from '../support/processes.js';
import { fmt, type ProofOptions, type ProofRow } from '../support/proof-row.js';

const CORPUS = [
  'test/shared/hostile-frames.test.ts',
  'test/shared/frame-fuzz.test.ts',
  'test/shared/broker.test.ts',
  'test/integration/wire.test.ts',
  'test/integration/abuse.test.ts',
];

/** Runs the corpus files through vitest; answers passed/total. */
async function corpus(): Promise<ProofRow> {
  const out = join(tempDir('proof-corpus'), 'report.json');
  await promisify(execFile)(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', ...CORPUS, '--reporter=json', `--outputFile=${out}`],
    { maxBuffer: 64 * 1024 * 1024 },
  ).catch(() => undefined); // failures are read from the report
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    numTotalTests: number;
    numPassedTests: number;
  };
  return {
    test: 'Hostile frames and abuse corpus',
    done:
      'fast-check properties over arbitrary frames (no crash, Object.prototype unchanged, clean errors only) and ' +
      'the known-bad inputs: superjson prototype paths, own __proto__ keys, forged tags and references, ' +
      '100,000-level nesting, oversized, invalid JSON, binary, invalid UTF-8, wrong version, unknown ids, ' +
      'hostile method names, getters, non-remote_ methods, upgrade abuse, impersonation',
    figure: `${report.numPassedTests} of ${report.numTotalTests} cases pass, each asserting its exact outcome`,
    pass: report.numTotalTests > 0 && report.numPassedTests === report.numTotalTests,
  };
}

async function flood(hub: HubProcess, workers: HubClient[], quick: boolean): Promise<ProofRow> {
  const ms = quick ? 3_000 : 10_000;
  const rate = async (): Promise<number> =>
    (await Promise.all(workers.map((w) => callRate(w, ms)))).reduce((a, b) => a + b, 0);
  const before = await rate();
  const flooder = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'proof/support/flood-process.ts', hub.url, '127.0.0.2', String(ms)],
    { maxBuffer: 1024 * 1024 },
  );
  await sleep(1_000); // the flooder's own start-up
  const [during, { stdout }] = await Promise.all([rate(), flooder]);
  const f = JSON.parse(stdout) as Awaited<ReturnType<typeof upgradeFlood>>;
  const refused = Object.entries(f.refused)
    .map(([s, n]) => `${fmt(n)} × ${s}`)
    .join(', ');
  return {
    test: 'Flood of unauthenticated upgrades',
    done: `another process opens upgrades from 127.0.0.2, 64 at a time for ${ms / 1000} s, never logging in; 2 logged-in daemons on 127.0.0.1 keep calling (32 calls outstanding each) meanwhile`,
    figure:
      `${fmt(f.attempts)} attempts: ${fmt(f.opened)} upgraded, ${refused || 'none refused'}; ` +
      `daemon calls ${fmt(during)}/s during vs ${fmt(before)}/s before (${fmt((100 * during) / before)} %)`,
    pass: f.opened <= 64 + (ms / 1000) * 200 && during >= 0.5 * before,
  };
}

async function slowSockets(hub: HubProcess, quick: boolean): Promise<ProofRow> {
  const n = quick ? 50 : 200;
  const [slow, silent] = await Promise.all([
    idleSockets(hub.port, n, true),
    idleSockets(hub.port, n, false),
  ]);
  const max = Math.max(...slow.closedAfterMs, ...silent.closedAfterMs);
  return {
    test: 'Slowloris upgrades and silent sockets',
    done: `${n} sockets dripping one header line every 500 ms and ${n} sending nothing (header timeout 10 s)`,
    figure: `all ${2 * n} closed by the hub, the last after ${fmt(max / 1000, 1)} s`,
    pass: max <= 12_000,
  };
}

async function stopsReading(hub: HubProcess): Promise<ProofRow> {
  // 400 devices of ~2.5 KB: each getDeviceConfigs answer is about 1 MB.
  const devices = Array.from({ length: 400 }, (_, i) => ({
    id: `big-${i}`,
    address: '127.0.0.1',
    properties: { note: 'x'.repeat(2_500) },
    datasources: [],
  }));
  const auth = `Basic ${Buffer.from(`${PROOF_USER}:${PROOF_PASSWORD}`).toString('base64')}`;
  const res = await fetch(`${hub.httpUrl}/api/devices/import`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(devices),
  });
  if (!res.ok) throw new Error(`import failed: ${res.status} ${await res.text()}`);
  const rss = async (): Promise<number> =>
    (await hub.metrics(['zhub_nodejs_heap_size_used_bytes'])).zhub_nodejs_heap_size_used_bytes ?? 0;
  const client = await proofClient(hub.url, 'stops-reading');
  const config = await client.getService('ConfigService');
  const before = await rss();
  const connections = async (): Promise<number> =>
    (await hub.metrics(['zhub_connections'])).zhub_connections ?? -1;
  const connectedBefore = await connections();
  // Stop reading: the socket is paused, so answers pile up in the hub's send buffer.
  const socket = (
    client.connection as unknown as { transport: { ws: { _socket: { pause(): void } } } }
  ).transport.ws._socket;
  socket.pause();
  const t0 = performance.now();
  for (let i = 0; i < 200; i++)
    void config.callRemote('getDeviceConfigs', 0, []).catch(() => undefined);
  let peak = before;
  const sampler = setInterval(() => void rss().then((v) => (peak = Math.max(peak, v))), 100);
  // The client notices only once the hub has closed (its socket is paused): ask the hub instead.
  await waitFor(
    async () => (await connections()) < connectedBefore || performance.now() - t0 > 30_000,
    35_000,
    'the hub to drop the client',
  );
  const droppedMs = performance.now() - t0;
  const dropped = (await connections()) < connectedBefore;
  clearInterval(sampler);
  client.close();
  await sleep(2_000);
  const after = await rss();
  const mb = (b: number): string => `${fmt(b / 1048576)} MB`;
  return {
    test: 'Client that stops reading',
    done: 'a logged-in client pauses its socket and asks for 200 answers of about 1 MB each (send buffer bound 16 MiB)',
    figure:
      `${dropped ? `dropped after ${fmt(droppedMs)} ms` : 'NOT dropped'}; hub heap used ${mb(before)} before, ` +
      `${mb(peak)} at peak, ${mb(after)} 2 s after`,
    pass: dropped && after < before + 64 * 1048576,
  };
}

async function callFlood(hub: HubProcess): Promise<ProofRow> {
  // The client's own bound lifted, so all 10,000 reach the hub.
  const client = await proofClient(hub.url, 'call-flood', { maxInFlight: 20_000 });
  const add = await client.getService('AddService');
  const results = await Promise.allSettled(
    Array.from({ length: 10_000 }, (_, i) => add.callRemote('add', i, 1)),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter(
    (r) =>
      r.status === 'rejected' && (r.reason as { code?: string }).code === 'HUB_ERR_TOO_MANY_CALLS',
  ).length;
  const inFlight = (await hub.metrics(['zhub_rpc_in_flight'])).zhub_rpc_in_flight;
  client.close();
  return {
    test: 'Flood of calls without waiting',
    done: 'one client sends 10,000 calls at once (hub bound: 1,024 in flight per connection)',
    figure: `${fmt(ok)} answered, ${fmt(refused)} refused with HUB_ERR_TOO_MANY_CALLS, ${10_000 - ok - refused} other; hub in flight afterwards: ${inFlight}`,
    pass: ok + refused === 10_000 && inFlight === 0,
  };
}

export async function hostile(opts: ProofOptions): Promise<ProofRow[]> {
  const rows: ProofRow[] = [await corpus()];
  const hub = await HubProcess.create();
  await hub.start();
  const workers: HubClient[] = [];
  try {
    workers.push(await proofClient(hub.url, 'worker-1'), await proofClient(hub.url, 'worker-2'));
    for (const step of [
      () => flood(hub, workers, opts.quick),
      () => slowSockets(hub, opts.quick),
      () => stopsReading(hub),
      () => callFlood(hub),
    ]) {
      try {
        rows.push(await step());
      } catch (err) {
        rows.push({ test: 'hostile', done: 'did not complete', figure: String(err), pass: false });
      }
    }
    return rows;
  } finally {
    for (const w of workers) w.close();
    await hub.stop();
  }
}
