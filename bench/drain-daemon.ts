// The drain bench's daemon: a spool holding `n` samples, filled while no hub is reachable;
// then it connects and drains, writing a fresh sample every 100 ms meanwhile.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubDaemon } from '../daemons/index.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

const [url, nArg] = process.argv.slice(2) as [string, string];
const n = Number(nArg);
const daemon = new HubDaemon({
  url,
  username: BENCH_USER,
  password: BENCH_PASSWORD,
  name: 'bench-drain',
  type: 'bench',
  dataDir: mkdtempSync(join(tmpdir(), 'zhub-drain-')),
  sender: { batchSize: 5_000, maxInFlight: 4 },
});
const now = Date.now();
for (let i = 0; i < n; i += 10_000) {
  daemon.spool.append(
    'metrics',
    Array.from({ length: Math.min(10_000, n - i) }, (_, j) => ({
      device: `dev-${(i + j) % 1000}`,
      component: '',
      metric: 'backlog',
      value: i + j,
      timestamp: now - n + i + j,
    })),
  );
}
const t0 = performance.now();
daemon.start();
const fresh: { seq: number; at: number; done?: number }[] = [];
const writer = setInterval(() => {
  const [seq] = daemon.spool.append('metrics', [
    { device: 'live', component: '', metric: 'fresh', value: fresh.length, timestamp: Date.now() },
  ]);
  daemon.senders.metrics.kick();
  fresh.push({ seq: seq as number, at: performance.now() });
}, 100);
while (daemon.spool.depth() > 0 || fresh.length === 0) {
  await new Promise((r) => setTimeout(r, 10));
  const acked = daemon.spool.lastAck('metrics');
  for (const f of fresh) if (f.done === undefined && f.seq <= acked) f.done = performance.now();
}
clearInterval(writer);
const elapsed = performance.now() - t0;
const latencies = fresh
  .filter((f) => f.done !== undefined)
  .map((f) => (f.done as number) - f.at)
  .sort((a, b) => a - b);
process.send?.({
  result: {
    samples: n,
    seconds: elapsed / 1000,
    perSecond: n / (elapsed / 1000),
    freshSamples: latencies.length,
    freshP50Ms: latencies[Math.floor(latencies.length / 2)],
    freshMaxMs: latencies[latencies.length - 1],
  },
});
await daemon.stop();
process.exit(0);
