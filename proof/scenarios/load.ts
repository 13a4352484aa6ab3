// Load held: thousands of daemon connections from a few processes (each from its own loopback
// address), logged in, beating and calling; the hub's memory per connection, its CPU and the
// call latency the daemons see.
import { spawn } from 'node:child_process';
import { HubProcess, sleep } from '../support/processes.js';
import { fmt, type ProofOptions, type ProofRow } from '../support/proof-row.js';

const METRICS = [
  'zhub_process_resident_memory_bytes',
  'zhub_nodejs_heap_size_used_bytes',
  'zhub_process_cpu_seconds_total',
  'zhub_daemons_connected',
];

interface LoadResult {
  calls: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

function loader(
  url: string,
  count: number,
  localAddress: string,
  first: number,
  callMs: number,
  heartbeatMs: number,
  steadyMs: number,
): { connected: Promise<number>; result: Promise<LoadResult>; kill(): void } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'proof/support/load-process.ts',
      url,
      String(count),
      localAddress,
      String(first),
      String(callMs),
      String(heartbeatMs),
      String(steadyMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  let onConnected: (ms: number) => void = () => undefined;
  let onResult: (r: LoadResult) => void = () => undefined;
  const connected = new Promise<number>((r) => (onConnected = r));
  const result = new Promise<LoadResult>((resolve, reject) => {
    onResult = resolve;
    child.once('exit', (code) =>
      reject(new Error(`load process exited ${code}: ${out.slice(-500)}`)),
    );
  });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const line of out.split('\n')) {
      if (line.startsWith('connected ')) onConnected(Number(line.slice(10)));
      if (line.startsWith('{')) onResult(JSON.parse(line) as LoadResult);
    }
  });
  return { connected, result, kill: () => child.kill('SIGKILL') };
}

export interface LoadFigures {
  daemons: number;
  connectS: number;
  rssPerConnKb: number;
  heapPerConnKb: number;
  cpuPercent: number;
  callsPerS: number;
  p50: number;
  p99: number;
}

export async function load(
  opts: ProofOptions,
): Promise<{ rows: ProofRow[]; figures: LoadFigures }> {
  const daemons = opts.quick ? 500 : 5_000;
  const processes = opts.quick ? 2 : 4;
  const windowMs = opts.quick ? 10_000 : 60_000;
  const callMs = 5_000;
  const heartbeatMs = 30_000;
  const hub = await HubProcess.create();
  await hub.start();
  const loaders: ReturnType<typeof loader>[] = [];
  try {
    await sleep(2_000);
    const base = await hub.metrics(METRICS);
    const per = Math.ceil(daemons / processes);
    const t0 = performance.now();
    for (let p = 0; p < processes; p++) {
      loaders.push(
        loader(hub.url, per, `127.0.0.${10 + p}`, p * per, callMs, heartbeatMs, windowMs + 30_000),
      );
    }
    await Promise.all(loaders.map((l) => l.connected));
    const connectS = (performance.now() - t0) / 1000;
    opts.log(`  ${fmt(daemons)} daemons connected in ${fmt(connectS, 1)} s`);
    await sleep(5_000); // every member has started calling (periods are jittered over 5 s)
    const m1 = await hub.metrics(METRICS);
    const w0 = performance.now();
    await sleep(windowMs);
    const m2 = await hub.metrics(METRICS);
    const seconds = (performance.now() - w0) / 1000;
    const results = await Promise.all(loaders.map((l) => l.result));
    const n = (m: Record<string, number>, k: string): number => m[k] ?? NaN;
    const figures: LoadFigures = {
      daemons,
      connectS,
      rssPerConnKb: (n(m2, METRICS[0] as string) - n(base, METRICS[0] as string)) / daemons / 1024,
      heapPerConnKb: (n(m2, METRICS[1] as string) - n(base, METRICS[1] as string)) / daemons / 1024,
      cpuPercent: (100 * (n(m2, METRICS[2] as string) - n(m1, METRICS[2] as string))) / seconds,
      callsPerS: results.reduce((s, r) => s + r.calls, 0) / ((windowMs + 30_000) / 1000),
      p50: Math.max(...results.map((r) => r.p50)),
      p99: Math.max(...results.map((r) => r.p99)),
    };
    const connectedAtHub = n(m2, 'zhub_daemons_connected');
    const errors = results.reduce((s, r) => s + r.errors, 0);
    return {
      figures,
      rows: [
        {
          test: `${fmt(daemons)} daemons connected`,
          done: `${processes} processes open ${fmt(daemons)} daemon connections (32 logins at a time each, one loopback address per process) and stay`,
          figure:
            `all in after ${fmt(connectS, 1)} s; hub reports ${fmt(connectedAtHub)} daemons; ` +
            `hub memory per connection ${fmt(figures.rssPerConnKb, 1)} KB resident, ${fmt(figures.heapPerConnKb, 1)} KB heap`,
          pass: connectedAtHub === daemons && figures.rssPerConnKb < 200,
        },
        {
          test: `${fmt(daemons)} daemons at work`,
          done: `each sends a heartbeat every ${heartbeatMs / 1000} s and a call every ${callMs / 1000} s (jittered), for ${fmt(windowMs / 1000)} s measured`,
          figure:
            `${fmt(figures.callsPerS)} calls/s, p50 ${fmt(figures.p50, 1)} ms, p99 ${fmt(figures.p99, 1)} ms; ` +
            `${errors} errors; hub CPU ${fmt(figures.cpuPercent)} % of one core`,
          pass: errors === 0 && figures.p99 < 250,
        },
      ],
    };
  } finally {
    for (const l of loaders) l.kill();
    await hub.stop();
  }
}
