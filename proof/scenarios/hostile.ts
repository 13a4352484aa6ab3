// Hostile input and connection abuse against a real hub process: the corpus and property
// tests (run through vitest, each case asserting its exact outcome), then abusive clients with
// measured figures: an upgrade flood, slow and silent sockets, a client that stops reading,
// and a flood of calls sent without waiting.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HubClient } from '../../daemons/index.js';
import { callPaced, idleSockets, proofClient, type upgradeFlood } from '../support/flood.js';
import { HubProcess, sleep, tempDir } from '../support/processes.js';
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

const FLOOD_PER_SECOND = 2_000;
const CALLS_PER_SECOND = 2_500; // per daemon

async function flood(hub: HubProcess, workers: HubClient[], quick: boolean): Promise<ProofRow> {
  const ms = quick ? 3_000 : 10_000;
  const measure = async (): Promise<{ perSecond: number; p99: number }> => {
    const r = await Promise.all(workers.map((w) => callPaced(w, ms, CALLS_PER_SECOND)));
    return {
      perSecond: r.reduce((a, x) => a + x.perSecond, 0),
      p99: Math.max(...r.map((x) => x.p99)),
    };
  };
  const before = await measure();
  const flooder = promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'proof/support/flood-process.ts',
      hub.url,
      '127.0.0.2',
      String(ms + 1_000),
      String(FLOOD_PER_SECOND),
    ],
    { maxBuffer: 1024 * 1024 },
  );
  await sleep(1_000); // the flooder's own start-up
  const [during, { stdout }] = await Promise.all([measure(), flooder]);
  const f = JSON.parse(stdout) as Awaited<ReturnType<typeof upgradeFlood>>;
  const refusedTotal = Object.values(f.refused).reduce((a, b) => a + b, 0);
  const refused = Object.entries(f.refused)
    .map(([s, n]) => `${fmt(n)} × ${s}`)
    .join(', ');
  const offered = workers.length * CALLS_PER_SECOND;
  return {
    test: 'Flood of unauthenticated upgrades',
    done:
      `another process opens ${fmt(FLOOD_PER_SECOND)} upgrades/s from 127.0.0.2 for ${ms / 1000} s, ` +
      `never logging in; meanwhile ${workers.length} logged-in daemons on 127.0.0.1 call ` +
      `${fmt(offered)} times a second in all`,
    figure:
      `${fmt(f.attempts)} attempts: ${fmt(f.opened)} upgraded, ${refused || 'none refused'}; ` +
      `daemon calls answered ${fmt(during.perSecond)}/s (p99 ${fmt(during.p99, 1)} ms) during the flood, ` +
      `${fmt(before.perSecond)}/s (p99 ${fmt(before.p99, 1)} ms) before`,
    pass:
      f.opened <= 64 + (ms / 1000) * 200 &&
      refusedTotal > 0 &&
      during.perSecond >= 0.95 * offered &&
      during.p99 < 100,
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

async function stopsReading(): Promise<ProofRow> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'proof/support/stops-reading-process.ts', '3'],
    { maxBuffer: 1024 * 1024 },
  );
  const r = JSON.parse(stdout) as {
    rounds: number;
    before: number;
    peak: number;
    after: number[];
    droppedMs: number[];
  };
  const mb = (v: number): string => `${fmt(v)} MB`;
  return {
    test: 'Client that stops reading',
    done:
      `${r.rounds} times, a logged-in client pauses its socket and asks for 200 answers of about 1 MB ` +
      'each (send buffer bound 16 MiB); heap measured after a full collection',
    figure:
      `dropped ${r.droppedMs.length} of ${r.rounds} times, within ${fmt(Math.max(...r.droppedMs))} ms; ` +
      `hub heap ${mb(r.before)} before, ${mb(r.peak)} at peak, ${r.after.map(mb).join(' / ')} after each round`,
    // Memory returns: after each round the heap is back where it started.
    pass: r.droppedMs.length === r.rounds && r.after.every((v) => v <= r.before + 8),
  };
}

async function callFlood(hub: HubProcess): Promise<ProofRow> {
  // The client's own bound lifted, so all 10,000 reach the hub. Each is a one-event batch: it
  // stays in flight until the next group commit, so the calls pile up at the hub.
  const client = await proofClient(hub.url, 'call-flood', { maxInFlight: 20_000 });
  const events = await client.getService('EventService');
  const heap = async (): Promise<number> =>
    (await hub.metrics(['zhub_nodejs_heap_size_used_bytes'])).zhub_nodejs_heap_size_used_bytes ?? 0;
  const results = await Promise.allSettled(
    Array.from({ length: 10_000 }, (_, i) =>
      events.callRemote('sendEvents', [
        { seq: i + 1, device: 'flood', eventKey: `k${i}`, severity: 2, summary: 'flood' },
      ]),
    ),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter(
    (r) =>
      r.status === 'rejected' && (r.reason as { code?: string }).code === 'HUB_ERR_TOO_MANY_CALLS',
  ).length;
  const m = await hub.metrics(['zhub_rpc_in_flight', 'zhub_connections']);
  const heapAfter = await heap();
  client.close();
  return {
    test: 'Flood of calls without waiting',
    done:
      'one client sends 10,000 one-event batches at once, without waiting (hub bound: 1,024 calls ' +
      'in flight per connection; each waits for its group commit)',
    figure:
      `${fmt(ok)} answered, ${fmt(refused)} refused at once with HUB_ERR_TOO_MANY_CALLS, ` +
      `${10_000 - ok - refused} other; hub in flight afterwards: ${m.zhub_rpc_in_flight}; ` +
      `connection kept; hub heap ${fmt(heapAfter / 1048576)} MB`,
    pass: ok + refused === 10_000 && refused > 0 && m.zhub_rpc_in_flight === 0,
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
      () => stopsReading(),
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
