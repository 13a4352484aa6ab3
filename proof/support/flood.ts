// Abusive clients for the proof suite: an upgrade flood from another loopback address, a
// closed-loop caller measuring throughput, slow and silent sockets.
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { HubClient } from '../../daemons/index.js';
import type { RpcLimits } from '../../shared/index.js';
import { PROOF_PASSWORD, PROOF_USER } from './ledger.js';

/** Logs in a client (name given) and waits until it is connected. */
export async function proofClient(
  url: string,
  name: string,
  rpcLimits: Partial<RpcLimits> = {},
): Promise<HubClient> {
  const client = new HubClient({
    rpcLimits,
    url,
    username: PROOF_USER,
    password: PROOF_PASSWORD,
    name,
    type: 'probe',
  });
  client.start();
  await client.whenConnected(15_000);
  return client;
}

/**
 * Calls `add` `perSecond` times a second for `ms` (paced, not waiting for answers); answers
 * the calls answered per second and the p99 latency in ms.
 */
export async function callPaced(
  client: HubClient,
  ms: number,
  perSecond: number,
): Promise<{ perSecond: number; p99: number }> {
  const add = await client.getService('AddService');
  const latencies: number[] = [];
  const calls: Promise<unknown>[] = [];
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) {
    const due = Math.floor(((performance.now() - start) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const t = performance.now();
      calls.push(add.callRemote('add', 1, 2).then(() => latencies.push(performance.now() - t)));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.allSettled(calls);
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / ((performance.now() - start) / 1000),
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
  };
}

/**
 * Opens upgrades from `localAddress`, `perSecond` a second (`concurrency` at a time at most)
 * for `ms`, never logging in; answers how many opened and how many were refused (by status).
 */
export async function upgradeFlood(
  url: string,
  localAddress: string,
  ms: number,
  perSecond: number,
  concurrency = 64,
): Promise<{ opened: number; refused: Record<number, number>; attempts: number }> {
  const out = { opened: 0, refused: {} as Record<number, number>, attempts: 0 };
  const open: WebSocket[] = [];
  const start = performance.now();
  const end = start + ms;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const due = start + (out.attempts / perSecond) * 1000;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      out.attempts++;
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { localAddress });
        ws.on('open', () => {
          open.push(ws);
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.destroy();
        });
        ws.on('error', () => resolve(0));
      });
      if (status === 101) out.opened++;
      else out.refused[status] = (out.refused[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  for (const ws of open) ws.terminate();
  return out;
}

/** Opens `n` raw sockets: `slow` ones drip a header line every 500 ms, others stay silent. */
export function idleSockets(
  port: number,
  n: number,
  slow: boolean,
): Promise<{ closedAfterMs: number[] }> {
  const closedAfterMs: number[] = [];
  const sockets: Socket[] = [];
  return new Promise((resolve) => {
    let left = n;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const s = connect(port, '127.0.0.1');
      sockets.push(s);
      let drip: NodeJS.Timeout | undefined;
      s.on('connect', () => {
        if (!slow) return;
        s.write('GET /hub HTTP/1.1\r\nHost: x\r\n');
        drip = setInterval(() => s.write(`X-Slow-${i}: ${Date.now()}\r\n`), 500);
      });
      s.on('data', () => undefined);
      s.on('error', () => undefined);
      s.on('close', () => {
        clearInterval(drip);
        closedAfterMs.push(performance.now() - t0);
        if (--left === 0) resolve({ closedAfterMs });
      });
    }
    // Bounded: whatever is still open after 60 s is counted as never closed.
    setTimeout(() => {
      for (const s of sockets) s.destroy();
    }, 60_000).unref();
  });
}
