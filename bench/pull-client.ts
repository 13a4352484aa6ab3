// A bench daemon process: a fresh CollectorDaemon (empty data directory) that pulls its
// monitor's configuration; reports when it holds `n` devices, with its peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectorDaemon, type CollectResult, type Collector } from '../daemons/index.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

const [url, nArg] = process.argv.slice(2) as [string, string];
const n = Number(nArg);
const dataDir = mkdtempSync(join(tmpdir(), 'zhub-pull-'));

const idle: Collector = {
  type: 'fake',
  collect: (): Promise<CollectResult> => Promise.resolve({ values: [] }),
};
const daemon = new CollectorDaemon({
  url,
  username: BENCH_USER,
  password: BENCH_PASSWORD,
  name: 'pull-bench',
  dataDir,
  collectors: [idle],
});
const t0 = performance.now();
await daemon.startCollecting();
const timer = setInterval(() => {
  if (daemon.devices.size < n) return;
  clearInterval(timer);
  const ms = performance.now() - t0;
  process.send?.({
    pulled: { ms, devices: daemon.devices.size, peakRssMb: process.resourceUsage().maxRSS / 1024 },
  });
}, 5);
process.on('message', (m: { op?: string }) => {
  if (m.op !== 'exit') return;
  void daemon.stop().then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
