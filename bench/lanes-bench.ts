import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { LanesStatus } from '../hub/index.js';
import { forkTs, nextMessage } from './process-pair.js';

export interface LoadFigures {
  done: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LanesRun {
  name: string;
  ping: LoadFigures;
  /** Events stored per second by the 4 streaming daemons. */
  eventsPerSecond: number;
  /** Hog or config calls completed in the window. */
  heavyDone: number;
  heavyFailed: number;
  hubMaxStallMs: number;
  lanes: LanesStatus;
  /** The SQLite write-ahead log's size at the end (a reader that never lets go keeps it growing). */
  walBytes: number;
}

type Heavy = 'none' | 'hog' | 'config';

/**
 * One run of the lanes bench: a hub (the hog routed to `hogLane`), a daemon calling
 * AddService.add every 10 ms, 4 daemons streaming events, and the heavy load — 4 daemons
 * calling a 500 ms CPU hog back to back, or 4 daemons each keeping 8 config-page calls in
 * flight — measured over `seconds` after a warm-up.
 */
export async function lanesRun(
  name: string,
  heavy: Heavy,
  hogLane: 'loop' | 'other',
  seconds: number,
): Promise<LanesRun> {
  const hub = forkTs('./lanes-hub.ts', [hogLane, '2']);
  const procs: ChildProcess[] = [hub];
  try {
    const url = await nextMessage(hub, (m) => m.url as string | undefined);
    const start = async (role: string, n: number): Promise<ChildProcess> => {
      const p = forkTs('./lanes-client.ts', [url, role, String(n)]);
      procs.push(p);
      await nextMessage(p, (m) => (m.ready ? true : undefined));
      return p;
    };
    const ping = await start('ping', 1);
    const events = await start('events', 4);
    const load = heavy === 'none' ? undefined : await start(heavy, 4);
    await new Promise((r) => setTimeout(r, 3_000)); // warm-up: workers started, JIT done
    const clients = [ping, events, ...(load ? [load] : [])];
    await Promise.all(
      clients.map((c) => {
        const p = nextMessage(c, (m) => (m.reset ? true : undefined));
        c.send({ op: 'reset' });
        return p;
      }),
    );
    const reset = nextMessage(hub, (m) => (m.lagReset ? true : undefined));
    hub.send({ op: 'lag-reset' });
    await reset;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const report = (c: ChildProcess): Promise<LoadFigures> => {
      const p = nextMessage(c, (m) => m.report as LoadFigures | undefined);
      c.send({ op: 'report' });
      return p;
    };
    const [pingR, eventsR, loadR] = await Promise.all(clients.map(report));
    const lag = nextMessage(
      hub,
      (m) => m.lag as { maxMs: number; lanes: LanesStatus; walBytes: number } | undefined,
    );
    hub.send({ op: 'lag' });
    const { maxMs, lanes, walBytes } = await lag;
    return {
      name,
      ping: pingR as LoadFigures,
      eventsPerSecond: (eventsR as LoadFigures).done / seconds,
      heavyDone: loadR?.done ?? 0,
      heavyFailed: loadR?.failed ?? 0,
      hubMaxStallMs: maxMs,
      lanes,
      walBytes,
    };
  } finally {
    for (const p of procs.reverse()) if (p.exitCode === null) p.send({ op: 'exit' });
    await Promise.all(
      procs.map((p) => (p.exitCode === null ? once(p, 'exit') : Promise.resolve([]))),
    );
  }
}
