import { forkTs, nextMessage } from './process-pair.js';

export interface SchedulerResult {
  devices: number;
  intervalS: number;
  runs: number;
  expected: number;
  cpuPerRunUs: number;
  maxBucketVsEven: number;
  missed: number;
  timeouts: number;
}

/** N port devices at one interval, polled by one daemon against a local TCP target. */
export async function schedulerBench(opts: {
  devices: number;
  intervalS: number;
  seconds: number;
}): Promise<SchedulerResult> {
  const hub = forkTs('./hub-process.ts', []);
  const target = forkTs('./tcp-target.ts', []);
  try {
    const url = await nextMessage(hub, (m) => m.url as string | undefined);
    const port = await nextMessage(target, (m) => m.port as number | undefined);
    const created = nextMessage(hub, (m) => m.devices as number | undefined, 120_000);
    hub.send({ op: 'port-devices', n: opts.devices, interval: opts.intervalS, port });
    await created;
    const daemon = forkTs('./scheduler-daemon.ts', [
      url,
      String(opts.devices),
      String(opts.seconds),
      String(opts.intervalS),
    ]);
    const r = await nextMessage(
      daemon,
      (m) => m.result as Omit<SchedulerResult, 'devices' | 'intervalS'> | undefined,
      (opts.seconds + opts.intervalS) * 1000 + 120_000,
    );
    return { devices: opts.devices, intervalS: opts.intervalS, ...r };
  } finally {
    hub.send({ op: 'exit' });
    target.send('exit');
  }
}

export interface DrainResult {
  samples: number;
  seconds: number;
  perSecond: number;
  freshSamples: number;
  freshP50Ms: number;
  freshMaxMs: number;
}

/** A daemon with `samples` spooled reconnects and drains; fresh samples are timed meanwhile. */
export async function drainBench(samples: number): Promise<DrainResult> {
  const hub = forkTs('./hub-process.ts', []);
  try {
    const url = await nextMessage(hub, (m) => m.url as string | undefined);
    const daemon = forkTs('./drain-daemon.ts', [url, String(samples)]);
    return await nextMessage(daemon, (m) => m.result as DrainResult | undefined, 600_000);
  } finally {
    hub.send({ op: 'exit' });
  }
}
