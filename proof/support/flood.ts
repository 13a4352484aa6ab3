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

/** Calls `add` with `depth` calls always outstanding for `ms`; answers calls per second. */
export async function callRate(client: HubClient, ms: number, depth = 32): Promise<number> {
  const add = await client.getService('AddService');
  const end = performance.now() + ms;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      await add.callRemote('add', 1, 2);
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: depth }, lane));
  return done / ((performance.now() - t0) / 1000);
}

/**
 * Opens upgrades from `localAddress` as fast as `concurrency` allows for `ms`, never logging
 * in; answers how many opened and how many were refused (by status).
 */
export async function upgradeFlood(
  url: string,
  localAddress: string,
  ms: number,
  concurrency = 64,
): Promise<{ opened: number; refused: Record<number, number>; attempts: number }> {
  const out = { opened: 0, refused: {} as Record<number, number>, attempts: 0 };
  const open: WebSocket[] = [];
  const end = performance.now() + ms;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
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
