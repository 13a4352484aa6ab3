// A bench daemon process that calls AddService.add every 10 ms and records how long each
// answer took: does the hub answer other daemons while it serves something heavy?
import { connectHub } from '../daemons/index.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

const [url] = process.argv.slice(2) as [string];
const client = await connectHub({
  url,
  username: BENCH_USER,
  password: BENCH_PASSWORD,
  name: 'ping-bench',
  type: 'bench',
});
const add = await client.getService('AddService');
let times: number[] = [];
let failed = 0;
let running = true;
const loop = async (): Promise<void> => {
  while (running) {
    const t = performance.now();
    try {
      await add.callRemote('add', 1, 2);
      times.push(performance.now() - t);
    } catch {
      failed++;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
};
void loop();
process.on('message', (m: { op: string }) => {
  if (m.op === 'reset') {
    times = [];
    failed = 0;
    process.send?.({ reset: true });
  } else if (m.op === 'report') {
    const sorted = [...times].sort((a, b) => a - b);
    process.send?.({
      pings: {
        answered: times.length,
        failed,
        maxMs: sorted.at(-1) ?? 0,
        p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      },
    });
  } else if (m.op === 'exit') {
    running = false;
    client.close();
    process.exit(0);
  }
});
process.send?.({ ready: true });
