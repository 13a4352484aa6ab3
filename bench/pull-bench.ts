import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinToCpu } from './pin.js';
import { forkTs, nextMessage, type CpuUsage } from './process-pair.js';

export interface PullResult {
  devices: number;
  /** From the daemon's start (connect, login) to every device applied. */
  ms: number;
  daemonPeakRssMb: number;
  /** The serving hub's RSS before the pull and its peak during it. */
  hubRssBeforeMb: number;
  hubPeakRssMb: number;
  /** Longest event-loop stall on the hub while it served the pull. */
  maxStallMs: number;
  /** The same, over IDLE_MS before the pull: the hub answering pings only (the machine's floor). */
  idleStallMs: number;
  /** CPU time the hub spent from the daemon's start to the last device applied (ms). */
  hubCpuMs: number;
  pings: { answered: number; failed: number; maxMs: number; p99Ms: number };
}

const LONG = 900_000;
const IDLE_MS = 10_000;

/**
 * A fresh daemon pulls a monitor of `n` devices of about 2.3 KB each. The fleet is imported by
 * one hub process, which then exits; a new hub process on the same store serves the pull (so
 * its memory is the pull's, not the import's) while another daemon calls it every 10 ms.
 */
export async function pullBench(n: number): Promise<PullResult> {
  const dir = mkdtempSync(join(tmpdir(), 'zhub-pull-bench-'));
  try {
    const importer = forkTs('./hub-process.ts', [dir]);
    await nextMessage(importer, (m) => m.url as string | undefined);
    const imported = nextMessage(importer, (m) => m.fleet as number | undefined, LONG);
    importer.send({ op: 'fleet', n });
    await imported;
    const gone = once(importer, 'exit');
    importer.send({ op: 'exit' });
    await gone;

    const hub = forkTs('./hub-process.ts', [dir]);
    const procs = [hub];
    try {
      const url = await nextMessage(hub, (m) => m.url as string | undefined);
      // The hub on one core, the daemons on the other: the stall measured is the hub's own work,
      // not the daemon's computing taking the hub's core.
      pinToCpu(hub.pid, 0);
      pinToCpu(process.pid, 1);
      const rss = async (): Promise<{ peakMb: number; nowMb: number }> => {
        const p = nextMessage(hub, (m) => m.rss as { peakMb: number; nowMb: number } | undefined);
        hub.send({ op: 'rss' });
        return p;
      };
      const before = await rss();
      const ping = forkTs('./ping-client.ts', [url]);
      procs.push(ping);
      pinToCpu(ping.pid, 1);
      await nextMessage(ping, (m) => (m.ready ? true : undefined));
      const resetLag = async (): Promise<void> => {
        const done = nextMessage(hub, (m) => (m.lagReset ? true : undefined));
        hub.send({ op: 'lag-reset' });
        await done;
      };
      const cpu = (): Promise<CpuUsage> => {
        const p = nextMessage(hub, (m) => m.cpu as CpuUsage | undefined);
        hub.send({ op: 'cpu' });
        return p;
      };
      const maxLag = async (): Promise<number> => {
        const lag = nextMessage(hub, (m) => m.lag as { maxMs: number } | undefined);
        hub.send({ op: 'lag' });
        return (await lag).maxMs;
      };
      // The baseline: the same hub answering the same pings, serving nothing else.
      await resetLag();
      await new Promise((r) => setTimeout(r, IDLE_MS));
      const idleStallMs = await maxLag();
      await resetLag();
      const cpu0 = await cpu();
      const pingReset = nextMessage(ping, (m) => (m.reset ? true : undefined));
      ping.send({ op: 'reset' });
      await pingReset;
      const daemon = forkTs('./pull-client.ts', [url, String(n)]);
      procs.push(daemon);
      pinToCpu(daemon.pid, 1);
      const pulled = await nextMessage(
        daemon,
        (m) => m.pulled as { ms: number; peakRssMb: number } | undefined,
        LONG,
      );
      const maxMs = await maxLag();
      const cpu1 = await cpu();
      const hubCpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
      const after = await rss();
      const pings = nextMessage(ping, (m) => m.pings as PullResult['pings'] | undefined);
      ping.send({ op: 'report' });
      return {
        devices: n,
        ms: pulled.ms,
        daemonPeakRssMb: pulled.peakRssMb,
        hubRssBeforeMb: before.nowMb,
        hubPeakRssMb: after.peakMb,
        maxStallMs: maxMs,
        idleStallMs,
        hubCpuMs,
        pings: await pings,
      };
    } finally {
      for (const p of procs) p.send({ op: 'exit' });
      await Promise.all(
        procs.map((p) => (p.exitCode === null ? once(p, 'exit') : Promise.resolve([]))),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
