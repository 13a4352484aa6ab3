// The lanes bench's daemons, one role per process, each reporting on request:
//
//   lanes-client <url> hog <connections>     each connection calls HogService.hog(500) back to back
//   lanes-client <url> ping                  AddService.add every 10 ms; latencies
//   lanes-client <url> events <connections>  each streams batches of 100 events (exactly-once marks)
//   lanes-client <url> config <connections>  each keeps 8 ConfigService page calls in flight
import { connectHub, type HubClient } from '../daemons/index.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

const [url, role, nArg] = process.argv.slice(2) as [string, string, string | undefined];
const n = Number(nArg ?? 1);
let running = true;
let times: number[] = [];
let done = 0;
let failed = 0;

const connect = (i: number): Promise<HubClient> =>
  connectHub({
    url,
    username: BENCH_USER,
    password: BENCH_PASSWORD,
    name: `${role}-${i}-${process.pid}`,
    type: 'bench',
    waitMs: 30_000,
  });

async function loop(fn: () => Promise<unknown>, pauseMs = 0): Promise<void> {
  while (running) {
    const t = performance.now();
    try {
      await fn();
      times.push(performance.now() - t);
      done++;
    } catch {
      failed++;
    }
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

const clients: HubClient[] = [];
for (let i = 0; i < (role === 'ping' ? 1 : n); i++) {
  const c = await connect(i);
  clients.push(c);
  if (role === 'hog') {
    const hog = await c.getService('HogService');
    void loop(() => hog.callRemote('hog', 500));
  } else if (role === 'ping') {
    const add = await c.getService('AddService');
    void loop(() => add.callRemote('add', 1, 2), 10);
  } else if (role === 'events') {
    const events = await c.getService('EventService');
    let seq = (await events.callRemote<{ events: number }>('getDeliveryMarks')).events;
    void loop(async () => {
      const batch = Array.from({ length: 100 }, () => ({
        seq: ++seq,
        device: `dev-${i}`,
        eventClass: '/Bench',
        eventKey: `k${seq % 1000}`,
        severity: 3,
        summary: `bench event ${seq}`,
      }));
      await events.callRemote('sendEvents', batch, { after: seq - 100 });
      done += 99; // 100 events a batch (loop() counts one)
    });
  } else if (role === 'config') {
    const config = await c.getService('ConfigService');
    for (let k = 0; k < 8; k++) void loop(() => config.callRemote('getDeviceConfigPage', 0, null));
  }
}

process.on('message', (m: { op: string }) => {
  if (m.op === 'reset') {
    times = [];
    done = 0;
    failed = 0;
    process.send?.({ reset: true });
  } else if (m.op === 'report') {
    const sorted = [...times].sort((a, b) => a - b);
    const q = (p: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
    process.send?.({
      report: { done, failed, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: sorted.at(-1) ?? 0 },
    });
  } else if (m.op === 'exit') {
    running = false;
    for (const c of clients) c.close();
    process.exit(0);
  }
});
process.send?.({ ready: true });
