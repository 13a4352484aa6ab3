// A bench hub process: a real hub with an on-disk store in a temporary folder. Answers IPC
// questions about what it stored and how much CPU it used, and records its longest
// event-loop stall.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { UserStore } from '../hub/index.js';
import { buildHub } from '../services/index.js';
import { fleet } from '../test/support/fleet.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

// A data directory given as the first argument is kept at exit (a fleet imported once serves
// several runs); otherwise a temporary one is made and removed.
const keepDir = process.argv[2];
const dataDir = keepDir ?? mkdtempSync(join(tmpdir(), 'zhub-bench-'));
const users = new UserStore();
await users.set(BENCH_USER, BENCH_PASSWORD);
const zhub = await buildHub({ users, dataDir, limits: { maxLoginFailures: 1_000_000 } });
const address = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
const store = zhub.hub.env.store;
let lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();

process.on('message', (m: { op: string; [k: string]: unknown }) => {
  switch (m.op) {
    case 'counts':
      void (async () =>
        process.send?.({
          counts: {
            samples: await store.metrics.countSamples(),
            events: (await store.events.countEvents()).occurrences,
          },
        }))();
      break;
    case 'cpu':
      process.send?.({ cpu: process.cpuUsage() });
      break;
    case 'lag-reset':
      lag.disable();
      lag = monitorEventLoopDelay({ resolution: 5 });
      lag.enable();
      process.send?.({ lagReset: true });
      break;
    case 'lag':
      process.send?.({ lag: { maxMs: lag.max / 1e6, p99Ms: lag.percentile(99) / 1e6 } });
      break;
    case 'import': {
      // Changes `n` devices of the localhost monitor in one model change (as an import does).
      const devices = Array.from({ length: m.n as number }, (_, i) => ({
        id: `bench-${i}`,
        address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        properties: { rack: `r${i % 40}`, generation: m.round },
        datasources: [
          {
            name: 'ssh',
            type: 'port',
            params: { port: 22 },
            datapoints: [{ name: 'up', threshold: { min: 1, severity: 4 } }],
          },
          {
            name: 'web',
            type: 'http',
            params: { url: `http://10.0.0.${i & 255}/` },
            datapoints: [{ name: 'time' }],
          },
        ],
      }));
      const at = Date.now();
      const t0 = performance.now();
      void zhub.hub.env.model.putDevices(devices, 'upsert').then(() => {
        process.send?.({ imported: devices.length, at, commitMs: performance.now() - t0 });
      });
      break;
    }
    case 'port-devices': {
      // `n` devices, each with one port datasource against the bench's local target.
      const devices = Array.from({ length: m.n as number }, (_, i) => ({
        id: `port-${i}`,
        address: '127.0.0.1',
        datasources: [
          {
            name: 'tcp',
            type: 'port',
            interval: m.interval as number,
            params: { port: m.port },
            datapoints: [],
          },
        ],
      }));
      void zhub.hub.env.model
        .putDevices(devices, 'upsert')
        .then(() => process.send?.({ devices: devices.length }));
      break;
    }
    case 'fleet': {
      // `n` realistic devices (about 2.3 KB each) on the localhost monitor, imported in slices.
      void (async () => {
        const n = m.n as number;
        for (let i = 0; i < n; i += 5_000) {
          await zhub.hub.env.model.putDevices(fleet(Math.min(5_000, n - i), 'localhost', i), 'add');
        }
        process.send?.({ fleet: n });
      })();
      break;
    }
    case 'rss':
      process.send?.({
        rss: {
          peakMb: process.resourceUsage().maxRSS / 1024,
          nowMb: process.memoryUsage().rss / 2 ** 20,
        },
      });
      break;
    case 'exit':
      void zhub.close().then(() => {
        if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
      break;
  }
});
process.send?.({ url: `${address.replace(/^http/, 'ws')}/hub` });
