import { forkTs, nextMessage } from './process-pair.js';

export interface PushResult {
  devices: number;
  listeners: number;
  /** From the model change to the last listener holding every changed device (median of rounds). */
  allAppliedMs: number;
  /** Longest event-loop stall on the hub while it pushed (after the change committed). */
  maxStallMs: number;
  /** How long the model change itself (validation and one transaction) held the hub. */
  commitMs: number;
  reloads: number;
}

/** Changes `devices` devices of one monitor in one import while `listeners` daemons listen. */
export async function pushBench(opts: {
  devices: number;
  listeners: number;
  processes: number;
  rounds: number;
}): Promise<PushResult> {
  const hub = forkTs('./hub-process.ts', []);
  const procs: ReturnType<typeof forkTs>[] = [];
  try {
    const url = await nextMessage(hub, (m) => m.url as string | undefined);
    const per = Math.ceil(opts.listeners / opts.processes);
    for (let p = 0; p < opts.processes; p++)
      procs.push(forkTs('./push-client.ts', [url, String(per), `push-${p}`]));
    await Promise.all(
      procs.map((c) => nextMessage(c, (m) => (m.ready ? true : undefined), 120_000)),
    );
    const total = per * opts.processes;
    let reloads = 0;
    for (const c of procs)
      c.on('message', (m: { reload?: number }) => m.reload !== undefined && reloads++);
    const times: number[] = [];
    let maxStall = 0;
    const commits: number[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const c of procs) c.send({ round, n: opts.devices });
      const lagReset = nextMessage(hub, (m) => (m.lagReset ? true : undefined));
      hub.send({ op: 'lag-reset' });
      await lagReset;
      let applied = 0;
      let last = 0;
      const allApplied = new Promise<void>((resolve) => {
        const onMsg = (m: { applied?: number; at?: number }): void => {
          if (m.applied === undefined) return;
          applied++;
          last = Math.max(last, m.at as number);
          if (applied === total) {
            for (const c of procs) c.off('message', onMsg);
            resolve();
          }
        };
        for (const c of procs) c.on('message', onMsg);
      });
      const imported = nextMessage(hub, (m) =>
        m.imported ? (m as { at: number; commitMs: number }) : undefined,
      );
      hub.send({ op: 'import', n: opts.devices, round });
      const { at: t0, commitMs } = await imported;
      commits.push(commitMs);
      // From here on the hub only encodes and sends: the stall measured is the push's own.
      const pushLagReset = nextMessage(hub, (m) => (m.lagReset ? true : undefined));
      hub.send({ op: 'lag-reset' });
      await pushLagReset;
      await allApplied;
      times.push(last - t0);
      const lag = nextMessage(hub, (m) => m.lag as { maxMs: number } | undefined);
      hub.send({ op: 'lag' });
      maxStall = Math.max(maxStall, (await lag).maxMs);
    }
    times.sort((a, b) => a - b);
    return {
      devices: opts.devices,
      listeners: total,
      allAppliedMs: times[Math.floor(times.length / 2)] as number,
      maxStallMs: maxStall,
      commitMs: Math.max(...commits),
      reloads,
    };
  } finally {
    for (const c of procs) c.kill();
    hub.send({ op: 'exit' });
  }
}
