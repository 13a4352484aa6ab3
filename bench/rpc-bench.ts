import { pinToCpu } from './pin.js';
import { forkTs, nextMessage, serverCpu } from './process-pair.js';
import { TARGETS, type TargetName } from './targets.js';

export interface RunResult {
  callsPerSec: number;
  p50: number;
  p99: number;
  /** Server CPU time per call, microseconds. */
  cpuPerCallUs: number;
}

/**
 * One measured run: a server process and a client process for `target`. With one call in
 * flight both share CPU 0 (the latency of the path itself, no hand-off between cores); with
 * more the server has CPU 0 and the client CPU 1.
 */
async function runOnce(
  target: TargetName,
  inflight: number,
  warmMs: number,
  durationMs: number,
): Promise<RunResult> {
  const server = forkTs('./server.ts', [target]);
  try {
    const url = await nextMessage(server, (m) => m.url as string | undefined);
    pinToCpu(server.pid, 0);
    const client = forkTs('./client.ts', [
      target,
      url,
      String(inflight),
      String(warmMs),
      String(durationMs),
    ]);
    pinToCpu(client.pid, inflight === 1 ? 0 : 1);
    try {
      await nextMessage(client, (m) => (m.measuring ? true : undefined));
      const before = await serverCpu(server);
      const resultP = nextMessage(
        client,
        (m) =>
          m.result as { calls: number; elapsedMs: number; p50: number; p99: number } | undefined,
      );
      client.send('go');
      const r = await resultP;
      const after = await serverCpu(server);
      const cpuUs = after.user - before.user + (after.system - before.system);
      return {
        callsPerSec: (r.calls / r.elapsedMs) * 1000,
        p50: r.p50,
        p99: r.p99,
        cpuPerCallUs: cpuUs / r.calls,
      };
    } finally {
      client.kill();
    }
  } finally {
    server.kill();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export type RpcResults = Record<string, Record<TargetName, RunResult>>;

/**
 * Every target at 1 and 256 calls in flight, `rounds` times, the order of targets rotated
 * each round so that drift in machine load does not favour one; the median run is kept.
 */
export async function rpcBench(opts: {
  rounds: number;
  warmMs: number;
  durationMs: number;
  log: (s: string) => void;
}): Promise<RpcResults> {
  const scenarios = [1, 256];
  const raw: Record<string, Record<string, RunResult[]>> = {};
  for (let round = 0; round < opts.rounds; round++) {
    for (const inflight of scenarios) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length] as TargetName);
      for (const target of order) {
        const r = await runOnce(target, inflight, opts.warmMs, opts.durationMs);
        ((raw[inflight] ??= {})[target] ??= []).push(r);
        opts.log(
          `  round ${round + 1} inflight ${inflight} ${target}: ${Math.round(r.callsPerSec)} calls/s, p50 ${r.p50.toFixed(3)} ms`,
        );
      }
    }
  }
  const out: RpcResults = {};
  for (const [inflight, byTarget] of Object.entries(raw)) {
    out[inflight] = {} as Record<TargetName, RunResult>;
    for (const [target, runs] of Object.entries(byTarget)) {
      (out[inflight] as Record<string, RunResult>)[target] = {
        callsPerSec: median(runs.map((r) => r.callsPerSec)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        cpuPerCallUs: median(runs.map((r) => r.cpuPerCallUs)),
      };
    }
  }
  return out;
}
