// A bench daemon process: sends metric samples or events to the hub for a while, keeping
// `inflight` batches outstanding, and reports what was acknowledged and how fast.
import { connectHub } from '../daemons/index.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

const [url, kind, secondsArg, batchArg, inflightArg, name] = process.argv.slice(2) as [
  string,
  'metrics' | 'events',
  string,
  string,
  string,
  string,
];
const seconds = Number(secondsArg);
const batchSize = Number(batchArg);
const inflight = Number(inflightArg);

const client = await connectHub({
  url,
  username: BENCH_USER,
  password: BENCH_PASSWORD,
  name,
  type: 'bench',
  // As a HubDaemon does: the hub keeps this spool's own mark with every batch.
  instance: `bench-${process.pid}`,
});
const svc = await client.getService(kind === 'metrics' ? 'MetricService' : 'EventService');
const method = kind === 'metrics' ? 'writeMetrics' : 'sendEvents';

let seq = 0;
let acked = 0;
const latencies: number[] = [];

function batch(): unknown[] {
  const now = Date.now();
  const items = new Array<unknown>(batchSize);
  for (let i = 0; i < batchSize; i++) {
    seq++;
    items[i] =
      kind === 'metrics'
        ? { seq, device: `dev-${seq % 1000}`, metric: 'ifInOctets', value: seq, timestamp: now }
        : // 200 fingerprints per daemon: most events deduplicate, as on a real console.
          {
            seq,
            device: `dev-${seq % 100}`,
            component: 'eth0',
            eventClass: '/Net/Link',
            eventKey: 'link',
            severity: 3 + (seq % 2),
            summary: 'link flapping',
          };
  }
  return items;
}

await new Promise<void>((resolve) => {
  process.once('message', () => resolve());
  process.send?.({ ready: true });
});
const end = performance.now() + seconds * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: inflight }, async () => {
    while (performance.now() < end) {
      const b = batch();
      const start = performance.now();
      const r = await svc.callRemote<{ ack: number; rejected: unknown[] }>(method, b);
      latencies.push(performance.now() - start);
      if (r.rejected.length > 0) throw new Error('rejected items in bench');
      acked += b.length;
    }
  }),
);
const elapsed = performance.now() - t0;
latencies.sort((a, b) => a - b);
process.send?.({
  result: {
    acked,
    elapsedMs: elapsed,
    p50: latencies[Math.floor(latencies.length / 2)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  },
});
client.close();
process.exit(0);
