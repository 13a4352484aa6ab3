// The scheduler bench's daemon: a port collector daemon polling N devices. It records when
// each run starts and reports CPU per run and the spread of start times.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectorDaemon,
  PortCollector,
  type CollectContext,
  type CollectResult,
} from '../daemons/index.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

const [url, nArg, secondsArg, intervalArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const n = Number(nArg);
const intervalMs = Number(intervalArg) * 1000;
const starts: number[] = [];

class TimedPort extends PortCollector {
  override collect(ctx: CollectContext): Promise<CollectResult> {
    starts.push(performance.now());
    return super.collect(ctx);
  }
}

const daemon = new CollectorDaemon({
  url,
  username: BENCH_USER,
  password: BENCH_PASSWORD,
  name: 'bench-port',
  dataDir: mkdtempSync(join(tmpdir(), 'zhub-sched-')),
  collectors: [new TimedPort()],
  maxConcurrent: 500,
});
await daemon.startCollecting();
await daemon.whenReady(60_000);
while (daemon.devices.size < n) await new Promise((r) => setTimeout(r, 50));
// Let the splayed first runs settle, then measure whole intervals.
await new Promise((r) => setTimeout(r, intervalMs));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
starts.length = 0;
await new Promise((r) => setTimeout(r, Number(secondsArg) * 1000));
const cpu = process.cpuUsage(cpu0);
const elapsed = performance.now() - t0;
const runs = starts.length;
// Spread: starts per 100 ms bucket over the measured window, against the even share.
const buckets = new Array<number>(Math.ceil(elapsed / 100)).fill(0);
for (const s of starts) {
  const b = Math.floor((s - t0) / 100);
  if (b >= 0 && b < buckets.length) buckets[b] = (buckets[b] as number) + 1;
}
const even = runs / buckets.length;
process.send?.({
  result: {
    runs,
    expected: (n * elapsed) / intervalMs,
    cpuPerRunUs: (cpu.user + cpu.system) / runs,
    maxBucketVsEven: Math.max(...buckets) / even,
    missed: daemon.scheduler.stats.missed,
    timeouts: daemon.scheduler.stats.timeouts,
    spooled: daemon.spool.depth(),
  },
});
await daemon.stop();
process.exit(0);
