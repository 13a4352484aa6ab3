// Soak: a steady moderate load for an hour (`npm run proof -- --soak`; not in CI): daemons
// stream events and samples and a few hundred connections beat and call. The hub's memory,
// handles and event-loop delay are sampled every 30 s; after the warm-up (the first sixth)
// they must stay flat, and at the end the store must hold exactly what was produced.
import { spawn } from 'node:child_process';
import { Fleet } from '../support/fleet.js';
import { describeCheck, exact } from '../support/ledger.js';
import { HubProcess, sleep } from '../support/processes.js';
import { fmt, type ProofOptions, type ProofRow } from '../support/proof-row.js';

const METRICS = [
  'zhub_process_resident_memory_bytes',
  'zhub_nodejs_heap_size_used_bytes',
  'zhub_nodejs_active_handles_total',
  'zhub_nodejs_eventloop_lag_p99_seconds',
];

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export async function soak(opts: ProofOptions, minutes: number): Promise<ProofRow[]> {
  const seconds = minutes * 60;
  const perSecond = 100; // per daemon, events and samples each
  const daemons = 4;
  const hub = await HubProcess.create();
  await hub.start();
  const fleet = new Fleet(hub, {
    daemons,
    items: 2 * perSecond * seconds,
    seconds,
    name: 'soak',
  });
  const callers = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'proof/support/load-process.ts',
      hub.url,
      '200',
      '127.0.0.20',
      '0',
      '5000',
      '30000',
      String(seconds * 1000),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const samples: Record<string, number>[] = [];
  try {
    await fleet.producing();
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await sleep(30_000);
      samples.push(await hub.metrics(METRICS));
      const s = samples.at(-1) as Record<string, number>;
      opts.log(
        `  ${fmt(samples.length / 2, 1)} min: rss ${fmt((s[METRICS[0] as string] ?? 0) / 2 ** 20)} MB, ` +
          `heap ${fmt((s[METRICS[1] as string] ?? 0) / 2 ** 20)} MB, handles ${s[METRICS[2] as string]}, ` +
          `lag p99 ${fmt((s[METRICS[3] as string] ?? 0) * 1000, 1)} ms`,
      );
    }
    const drained = await fleet.finished(600_000);
    const check = await fleet.check();
    const warm = samples.slice(Math.floor(samples.length / 6));
    const half = Math.floor(warm.length / 2);
    const series = (k: string): [number, number] => [
      mean(warm.slice(0, half).map((s) => s[k] ?? 0)),
      mean(warm.slice(half).map((s) => s[k] ?? 0)),
    ];
    const [rss1, rss2] = series(METRICS[0] as string);
    const [heap1, heap2] = series(METRICS[1] as string);
    const [h1, h2] = series(METRICS[2] as string);
    const lagMax = Math.max(...samples.map((s) => s[METRICS[3] as string] ?? 0)) * 1000;
    const mb = (b: number): string => `${fmt(b / 2 ** 20)} MB`;
    return [
      {
        test: `Soak (${fmt(minutes)} min)`,
        done:
          `${daemons} daemons stream ${perSecond} events and ${perSecond} samples/s each; 200 more ` +
          `connections beat every 30 s and call every 5 s; hub sampled every 30 s, the first sixth is warm-up`,
        figure:
          `resident ${mb(rss1)} → ${mb(rss2)}, heap ${mb(heap1)} → ${mb(heap2)}, handles ${fmt(h1)} → ${fmt(h2)} ` +
          `(means of the two halves after warm-up); event-loop delay p99 never above ${fmt(lagMax, 1)} ms; ` +
          `${describeCheck(check)}; drained ${fmt(drained / 60, 1)} min after start`,
        pass:
          exact(check) &&
          rss2 <= rss1 * 1.2 + 16 * 2 ** 20 &&
          heap2 <= heap1 * 1.2 + 8 * 2 ** 20 &&
          h2 <= h1 + 10 &&
          lagMax < 200,
      },
    ];
  } finally {
    callers.kill('SIGKILL');
    fleet.kill();
    await hub.stop();
  }
}
