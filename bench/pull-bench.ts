import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkTs, nextMessage } from './process-pair.js';

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
  pings: { answered: number; failed: number; maxMs: number; p99Ms: number };
}

const LONG = 900_000;

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
      const rss = async (): Promise<{ peakMb: number; nowMb: number }> => {
        const p = nextMessage(hub, (m) => m.rss as { peakMb: number; nowMb: number } | undefined);
        hub.send({ op: 'rss' });
        return p;
      };
      const before = await rss();
      const ping = forkTs('./ping-client.ts', [url]);
      procs.push(ping);
      await nextMessage(ping, (m) => (m.ready ? true : undefined));
      const lagReset = nextMessage(hub, (m) => (m.lagReset ? true : undefined));
      hub.send({ op: 'lag-reset' });
      await lagReset;
      const pingReset = nextMessage(ping, (m) => (m.reset ? true : undefined));
      ping.send({ op: 'reset' });
      await pingReset;
      const daemon = forkTs('./pull-client.ts', [url, String(n)]);
      procs.push(daemon);
      const pulled = await nextMessage(
        daemon,
        (m) => m.pulled as { ms: number; peakRssMb: number } | undefined,
        LONG,
      );
      const lag = nextMessage(hub, (m) => m.lag as { maxMs: number } | undefined);
      hub.send({ op: 'lag' });
      const { maxMs } = await lag;
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
