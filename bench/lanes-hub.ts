// The lanes bench's hub process: a real hub with an on-disk store, the hog service routed to
// the loop or to a worker lane (argv), its longest event-loop stall recorded.
//
//   lanes-hub <hogLane: loop|other> <threads>
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { UserStore } from '../hub/index.js';
import { buildHub } from '../services/index.js';
import { HogService } from './hog-service.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

const [hogLane, threads] = process.argv.slice(2) as ['loop' | 'other', string];
const dataDir = mkdtempSync(join(tmpdir(), 'zhub-lanes-bench-'));
const users = new UserStore();
await users.set(BENCH_USER, BENCH_PASSWORD);
const zhub = await buildHub({
  users,
  dataDir,
  services: [HogService],
  limits: { maxLoginFailures: 1_000_000 },
  lanes: { threads: Number(threads), routes: { 'HogService:*': hogLane } },
});
await zhub.hub.env.model.putCollector({ name: 'localhost', properties: {} });
const address = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
let lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();

process.on('message', (m: { op: string }) => {
  if (m.op === 'lag-reset') {
    lag.disable();
    lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    process.send?.({ lagReset: true });
  } else if (m.op === 'lag') {
    const wal = join(dataDir, 'hub.db-wal');
    process.send?.({
      lag: {
        maxMs: lag.max / 1e6,
        lanes: zhub.hub.lanesStatus(),
        walBytes: existsSync(wal) ? statSync(wal).size : 0,
      },
    });
  } else if (m.op === 'exit') {
    void zhub.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
process.send?.({ url: `${address.replace(/^http/, 'ws')}/hub` });
