import type { ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { pinToCpu } from './pin.js';
import { forkTs, nextMessage, serverCpu } from './process-pair.js';

// The servers (raw ws, the hub) on CPU 0, the daemons' processes on CPU 1, as in the RPC bench:
// the daemons of a real storm run on other hosts, and the hub's figures are then its own. The
// storm's process (a thousand daemons in one, busy all through) runs at a lower priority, so
// that it does not starve the established daemon's process that shares its core: on real
// hosts they are separate machines. (Without it the established daemon measured 57-65 %, its
// own process waiting for the CPU; the hub answered it as fast either way.)
const PIN = process.env.STORM_PIN !== '0';
const NICE = Number(process.env.STORM_NICE ?? 10);
// Each process is given one core, and runs as a process on one core should (operations.md, "A
// hub on one core"): with V8's garbage collector on its main thread, where its helper threads
// could only take turns with it. `STORM_GC=parallel` runs them all with node's default instead.
const ONE_CORE = process.env.STORM_GC === 'parallel' ? [] : ['--single-threaded-gc'];

export interface StormResult {
  rawMs: number;
  tokenMs: number;
  /** The daemons' side: CPU per connection of the process that opens them all. */
  rawClientCpuUs: number;
  tokenClientCpuUs: number;
  tokenHubCpuUsPerLogin: number;
  tokenMaxStallMs: number;
  /** The longest stall while the storm's connections all close at once (the client exits). */
  disconnectMaxStallMs: number;
  /** An established daemon's calls/s before the token storm, and during it. */
  steadyBefore: number;
  steadyDuring: number;
  passwordMs: number;
  passwordHubCpuMsPerLogin: number;
  /** The password users again, each with the resumption ticket of its first login. */
  ticketMs: number;
  ticketHubCpuUsPerLogin: number;
  n: number;
  passwords: number;
}

type Creds = { user: string; secret: string }[];

async function clientRun(
  mode: string,
  url: string,
  payload: object,
  /** Runs with every connection still open, before the client closes them all and exits. */
  whileOpen?: () => Promise<void>,
): Promise<{ ms: number; tickets: Creds; cpuUs: number }> {
  const client = forkTs('./storm-client.ts', [mode, url, '50'], ONE_CORE);
  if (PIN) pinToCpu(client.pid, 1);
  if (NICE !== 0 && client.pid !== undefined) setPriority(client.pid, NICE);
  try {
    await nextMessage(client, (m) => (m.ready ? true : undefined));
    const result = nextMessage(
      client,
      (m) => m.result as { ms: number; tickets: Creds; cpuUs: number } | undefined,
      600_000,
    );
    client.send(payload);
    const r = await result;
    await whileOpen?.();
    // Profiling: an idle gap in the profiles between the storm and the closes.
    if (process.env.BENCH_CPU_PROF) await new Promise((res) => setTimeout(res, 500));
    return r;
  } finally {
    if (client.connected) client.send({ op: 'close' });
    // It exits by itself once its connections are closed (and writes its profile, if asked).
    await exitOf(client);
  }
}

/**
 * A reconnect storm after a hub restart: `n` daemons with distinct identities connect (50 at
 * a time) to a fresh hub process, log in and get their three services; against `n` bare ws
 * connections to a raw ws server in the same run. Machine tokens against scrypt passwords
 * (`passwords` of them: each costs a full scrypt, no login is remembered in a new process).
 */
export async function stormBench(n: number, passwords: number): Promise<StormResult> {
  const { ms: rawMs, cpuUs: rawClientCpuUs } = await rawRun(n);
  const { hub, url, creds } = await freshHub(n, passwords);
  try {
    const tokens = creds.filter((c) => c.user.startsWith('tok-'));
    const steadyCred = creds.find((c) => c.user === 'steady') as { user: string; secret: string };
    const steady = forkTs(
      './steady-client.ts',
      [url, steadyCred.user, steadyCred.secret],
      ONE_CORE,
    );
    if (PIN) pinToCpu(steady.pid, 1);
    await nextMessage(steady, (m) => (m.ready ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_000)); // warm
    steady.send({ op: 'window', name: 'before' });
    await new Promise((r) => setTimeout(r, 2_000));
    const pws = creds.filter((c) => c.user.startsWith('pw-'));
    hub.send({ op: 'lag-reset' });
    await nextMessage(hub, (m) => (m.lagReset ? true : undefined));
    const cpu0 = await serverCpu2(hub);
    steady.send({ op: 'window', name: 'during' });
    // The storm's figures are taken with its connections open; their mass disconnect after
    // (the client exits) is a figure of its own.
    let cpu1 = 0;
    let rates: Record<string, number> = {};
    let lag = { maxMs: 0 };
    const tokenRun = await clientRun('zhub', url, { creds: tokens }, async () => {
      cpu1 = await serverCpu2(hub);
      steady.send({ op: 'report' });
      rates = await nextMessage(steady, (m) => m.rates as Record<string, number> | undefined);
      lag = await hubLag(hub);
    });
    const tokenMs = tokenRun.ms;
    steady.kill();
    const disconnectLag = await hubLag(hub);
    const cpuAfterClose = await serverCpu2(hub);
    let cpu2 = 0;
    const first = await clientRun('zhub-tickets', url, { creds: pws }, async () => {
      cpu2 = await serverCpu2(hub);
    });
    const passwordMs = first.ms;
    const cpuAfterPasswords = await serverCpu2(hub);
    // The same daemons again with their tickets (a ticket is checked by its HMAC, not
    // remembered: this is what a restarted hub pays for them too).
    let cpu3 = 0;
    const ticketMs = (
      await clientRun('zhub', url, { creds: first.tickets }, async () => {
        cpu3 = await serverCpu2(hub);
      })
    ).ms;
    return {
      rawMs,
      tokenMs,
      rawClientCpuUs,
      tokenClientCpuUs: tokenRun.cpuUs,
      tokenHubCpuUsPerLogin: (cpu1 - cpu0) / n,
      tokenMaxStallMs: lag.maxMs,
      disconnectMaxStallMs: disconnectLag.maxMs,
      steadyBefore: rates.before ?? 0,
      steadyDuring: rates.during ?? 0,
      passwordMs,
      passwordHubCpuMsPerLogin: (cpu2 - cpuAfterClose) / passwords / 1000,
      ticketMs,
      ticketHubCpuUsPerLogin: (cpu3 - cpuAfterPasswords) / Math.max(1, first.tickets.length),
      n,
      passwords,
    };
  } finally {
    hub.send({ op: 'exit' });
    await exitOf(hub);
  }
}

/** `n` bare ws connections to a fresh raw ws server (the baseline). */
async function rawRun(n: number): Promise<{ ms: number; cpuUs: number }> {
  const raw = forkTs('./server.ts', ['raw-ws'], ONE_CORE);
  try {
    const url = await nextMessage(raw, (m) => m.url as string | undefined);
    if (PIN) pinToCpu(raw.pid, 0);
    return await clientRun('raw', url, { n });
  } finally {
    raw.kill();
  }
}

/** A hub process just started, with `n` token users and `passwords` scrypt users. */
async function freshHub(
  n: number,
  passwords: number,
): Promise<{ hub: ChildProcess; url: string; creds: Creds }> {
  const hub = forkTs('./storm-hub.ts', [String(n), String(passwords)], ONE_CORE);
  const { url, creds } = await nextMessage(
    hub,
    (m) => (m.url ? (m as unknown as { url: string; creds: Creds }) : undefined),
    300_000,
  );
  if (PIN) pinToCpu(hub.pid, 0);
  return { hub, url, creds };
}

/**
 * One more pair of the storm's headline figure, for a median: `n` bare opens to a fresh raw
 * server, then `n` token daemons to a fresh hub (nothing else running).
 */
export async function stormPair(
  n: number,
): Promise<{ rawMs: number; tokenMs: number; rawClientCpuUs: number; tokenClientCpuUs: number }> {
  const raw = await rawRun(n);
  const { hub, url, creds } = await freshHub(n, 0);
  try {
    const tokens = creds.filter((c) => c.user.startsWith('tok-'));
    const run = await clientRun('zhub', url, { creds: tokens });
    return {
      rawMs: raw.ms,
      tokenMs: run.ms,
      rawClientCpuUs: raw.cpuUs,
      tokenClientCpuUs: run.cpuUs,
    };
  } finally {
    hub.send({ op: 'exit' });
    await exitOf(hub);
  }
}

/** The hub's longest loop stall since the last ask, and a fresh window from now. */
async function hubLag(hub: ChildProcess): Promise<{ maxMs: number }> {
  hub.send({ op: 'lag' });
  return nextMessage(hub, (m) => m.lag as { maxMs: number } | undefined);
}

/** Waits up to 5 s for `child` to exit by itself (a profile is written then), else kills it. */
async function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const timer = setTimeout(() => child.kill(), 5_000);
  await exited;
  clearTimeout(timer);
}

async function serverCpu2(child: Parameters<typeof serverCpu>[0]): Promise<number> {
  const c = await serverCpu(child);
  return c.user + c.system;
}
