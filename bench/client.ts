// A bench client process: keeps `inflight` add calls outstanding for a while and reports
// calls/s and latency percentiles. Tells the parent when the measured window starts.
import { startClient, type TargetName } from './targets.js';

const [target, url, inflightArg, warmArg, durationArg] = process.argv.slice(2) as [
  TargetName,
  string,
  string,
  string,
  string,
];
const inflight = Number(inflightArg);
const warmMs = Number(warmArg);
const durationMs = Number(durationArg);

const client = await startClient(target, url);

async function run(ms: number, latencies: number[] | undefined): Promise<number> {
  let calls = 0;
  const end = performance.now() + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const r = await client.add(1, 2);
      if (r !== 3) throw new Error(`bad answer ${r}`);
      latencies?.push(performance.now() - t0);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return calls;
}

await run(warmMs, undefined);
await new Promise<void>((resolve) => {
  process.once('message', () => resolve());
  process.send?.({ measuring: true });
});
const latencies: number[] = [];
const t0 = performance.now();
const calls = await run(durationMs, latencies);
const elapsed = performance.now() - t0;
latencies.sort((a, b) => a - b);
const pct = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
process.send?.({ result: { calls, elapsedMs: elapsed, p50: pct(0.5), p99: pct(0.99) } });
await client.close();
process.exit(0);
