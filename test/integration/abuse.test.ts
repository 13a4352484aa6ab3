// Connection abuse on a real socket: floods of upgrades, slow and silent sockets, oversized
// upgrade requests, invalid UTF-8, a call flood, and two connections delivering under one name.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../shared/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { connectTestClient, startHub } from '../support/hub-fixture.js';
import { until } from '../support/until.js';
import type { SqliteStore } from '../../hub/index.js';

const hello = JSON.stringify([[0, PROTOCOL_VERSION, {}]]);

/** Opens an upgrade; answers 101 when it opened, else the HTTP status it was refused with. */
function upgrade(url: string): Promise<{ status: number; ws: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
    ws.on('error', () => undefined);
  });
}

/** A raw TCP socket to the hub's port; resolves with what it received once the hub closes it. */
function rawSocket(url: string, write: (s: Socket) => void): Promise<string> {
  const { port } = new URL(url.replace(/^ws/, 'http'));
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('the hub did not close the socket'));
    }, 10_000);
    s.on('connect', () => write(s));
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on('error', () => undefined);
  });
}

/**
 * `n` TCP sockets to the hub, all connected (and accepted) first, then an upgrade request
 * written on each in one turn, so that they reach the hub together; resolves with the head of
 * each one's answer, the sockets left open for `close()`.
 */
async function upgradeBurst(
  url: string,
  n: number,
): Promise<{ answers: string[]; close: () => void }> {
  const { port } = new URL(url.replace(/^ws/, 'http'));
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(Number(port), '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  // Until the hub has accepted them all and reads them: the requests then reach it in one turn.
  await new Promise((r) => setTimeout(r, 300));
  const answers = sockets.map(
    (s) =>
      new Promise<string>((resolve) => {
        let got = '';
        s.on('data', (d: Buffer) => {
          got += d.toString('latin1');
          if (got.includes('\r\n\r\n')) resolve(got);
        });
        s.on('close', () => resolve(got));
        s.on('error', () => undefined);
      }),
  );
  for (const s of sockets)
    s.write(
      'GET /hub HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  return { answers: await Promise.all(answers), close: () => sockets.forEach((s) => s.destroy()) };
}

describe('connection abuse', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('refuses upgrades from an address past its rate with 429, and admits again as tokens return', async () => {
    const clock = new ManualClock();
    const hub = await startHub({ clock, limits: { upgradesPerSecondPerAddress: 5 } });
    stop = hub.close;
    const tries = await Promise.all(Array.from({ length: 8 }, () => upgrade(hub.url)));
    const statuses = tries.map((t) => t.status).sort();
    expect(statuses.filter((s) => s === 101)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(hub.zhub.hub.upgrades.stats.refusedRate).toBe(3);
    clock.advance(1_000);
    expect((await upgrade(hub.url)).status).toBe(101);
    for (const t of tries) t.ws.terminate();
  });

  it('caps connections waiting to log in per address; logged-in daemons do not count', async () => {
    const hub = await startHub({ limits: { maxPendingLoginsPerAddress: 3 } });
    stop = hub.close;
    const daemon = await connectTestClient(hub.url, { name: 'worker' });
    const idle = await Promise.all(Array.from({ length: 3 }, () => upgrade(hub.url)));
    expect(idle.map((t) => t.status)).toEqual([101, 101, 101]);
    expect((await upgrade(hub.url)).status).toBe(429);
    expect(hub.zhub.hub.upgrades.stats.refusedPending).toBeGreaterThanOrEqual(1);
    // The logged-in daemon keeps working meanwhile.
    const add = await daemon.getService('AddService');
    expect(await add.callRemote('add', 2, 3)).toBe(5);
    idle[0]?.ws.close();
    await until(() => hub.zhub.hub.upgrades.pendingFrom('127.0.0.1') === 2);
    expect((await upgrade(hub.url)).status).toBe(101);
    for (const t of idle) t.ws.terminate();
    daemon.close();
  });

  it('paces a burst of upgrades: every one taken, the waiting ones counted as not logged in', async () => {
    const hub = await startHub({ limits: { maxPendingLoginsPerAddress: 1_000 } });
    stop = hub.close;
    const burst = await upgradeBurst(hub.url, 150);
    expect(burst.answers.every((a) => a.startsWith('HTTP/1.1 101'))).toBe(true);
    const queue = hub.zhub.hub.upgradeQueue;
    expect(queue?.waiting).toBe(0);
    expect(queue?.stats.refusedFull).toBe(0);
    expect(queue?.stats.queuedMax).toBeGreaterThan(0);
    // Each is one connection waiting to log in, counted once whether it waited or not.
    await until(() => hub.zhub.hub.upgrades.pendingFrom('127.0.0.1') === 150);
    burst.close();
    await until(() => hub.zhub.hub.upgrades.pendingFrom('127.0.0.1') === 0);
  });

  it('refuses upgrades past the queue bound with 503 (hub busy)', async () => {
    const hub = await startHub({
      limits: { maxQueuedUpgrades: 2, maxPendingLoginsPerAddress: 1_000 },
    });
    stop = hub.close;
    const burst = await upgradeBurst(hub.url, 60);
    const busy = burst.answers.filter((a) => a.startsWith('HTTP/1.1 503'));
    expect(busy.length).toBeGreaterThan(0);
    for (const a of busy) expect(a).toContain('hub busy');
    for (const a of burst.answers) expect(a).toMatch(/^HTTP\/1.1 (101|503)/);
    expect(hub.zhub.hub.upgradeQueue?.stats.refusedFull).toBe(busy.length);
    expect(hub.zhub.hub.upgradeQueue?.stats.queuedMax).toBe(2);
    // Operators see them: the metric and the status page's figures.
    const base = hub.url.replace(/^ws/, 'http').replace(/\/hub$/, '');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`zhub_upgrades_refused_total{reason="full"} ${busy.length}`);
    expect(metrics).toMatch(/zhub_upgrades_waiting \d+/);
    expect(hub.zhub.hub.upgradeFigures().refused.full).toBe(busy.length);
    burst.close();
  });

  it('counts waiting upgrades against the per-address cap of connections not logged in', async () => {
    const hub = await startHub({ limits: { maxPendingLoginsPerAddress: 20 } });
    stop = hub.close;
    const burst = await upgradeBurst(hub.url, 60);
    const status = (a: string): string => a.slice(9, 12);
    expect(burst.answers.filter((a) => status(a) === '101')).toHaveLength(20);
    expect(burst.answers.filter((a) => status(a) === '429')).toHaveLength(40);
    burst.close();
  });

  it('closes slowloris upgrades and silent sockets once the header timeout passes', async () => {
    const hub = await startHub({ limits: { headersTimeoutMs: 300 } });
    stop = hub.close;
    let drip: NodeJS.Timeout | undefined;
    const [slow, silent] = await Promise.all([
      rawSocket(hub.url, (s) => {
        s.write('GET /hub HTTP/1.1\r\nHost: x\r\n');
        drip = setInterval(() => s.write('X-A: b\r\n'), 100);
      }),
      rawSocket(hub.url, () => undefined),
    ]);
    clearInterval(drip);
    expect(slow).toMatch(/^HTTP\/1.1 408/);
    expect(silent === '' || /^HTTP\/1.1 408/.test(silent)).toBe(true);
    const ok = await connectTestClient(hub.url);
    ok.close();
  });

  it('survives an upgrade request with 2,000 headers (the ws advisory) and keeps serving', async () => {
    const hub = await startHub();
    stop = hub.close;
    const headers = Array.from({ length: 2_000 }, (_, i) => `x-h${i}: v`).join('\r\n');
    const answer = await rawSocket(hub.url, (s) =>
      s.write(
        'GET /hub HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Version: 13\r\n${headers}\r\n\r\n`,
      ),
    );
    // Node keeps the first 2,000 headers, so the upgrade's own headers do not all fit: refused.
    expect(answer).toMatch(/^HTTP\/1.1 4\d\d/);
    const client = await connectTestClient(hub.url);
    expect(await (await client.getService('AddService')).callRemote('add', 1, 1)).toBe(2);
    client.close();
  });

  it('closes a text frame of invalid UTF-8 with 1007', async () => {
    const hub = await startHub();
    stop = hub.close;
    const ws = new WebSocket(hub.url);
    await new Promise((r) => ws.once('open', r));
    ws.send(hello);
    const closed = new Promise<number>((r) => ws.once('close', r));
    ws.send(Buffer.from([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d]), { binary: false });
    expect(await closed).toBe(1007);
  });

  it('bounds a flood of 10,000 calls sent without waiting, rejects the excess, and leaks nothing', async () => {
    const hub = await startHub({ rpcLimits: { maxInFlight: 64 } });
    stop = hub.close;
    const client = await connectTestClient(hub.url, { rpcLimits: { maxInFlight: 20_000 } });
    const add = await client.getService('AddService');
    const results = await Promise.allSettled(
      Array.from({ length: 10_000 }, (_, i) => add.callRemote('add', i, 1)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) =>
        r.status === 'rejected' &&
        (r.reason as { code?: string }).code === 'HUB_ERR_TOO_MANY_CALLS',
    ).length;
    expect(ok + refused).toBe(10_000);
    expect(ok).toBeGreaterThanOrEqual(64);
    const session = [...hub.zhub.hub.sessions][0];
    expect(session?.broker.inFlight).toBe(0);
    expect(client.connection?.pendingCalls).toBe(0);
    client.close();
  });

  it('lets one connection deliver under a daemon name: a second one supersedes it', async () => {
    const hub = await startHub();
    stop = hub.close;
    const first = await connectTestClient(hub.url, { name: 'collector-a' });
    const second = await connectTestClient(hub.url, { name: 'collector-a' });
    // Clients that do not deliver (the CLI) share a name freely.
    const events1 = await first.getService('EventService');
    await events1.callRemote('getDeliveryMarks');
    const events2 = await second.getService('EventService');
    const fatal = new Promise<{ code: string }>((r) => first.once('fatal', r));
    await events2.callRemote('getDeliveryMarks');
    expect((await fatal).code).toBe('HUB_ERR_SUPERSEDED');
    expect(first.state).toBe('failed');
    expect(await events2.callRemote('getDeliveryMarks')).toEqual({ events: 0, metrics: 0 });
    expect(hub.zhub.hub.env.claims.superseded).toBe(1);
    second.close();
  });

  it('takes identity from the session, never from the payload', async () => {
    const hub = await startHub();
    stop = hub.close;
    const client = await connectTestClient(hub.url, { name: 'honest' });
    const events = await client.getService('EventService');
    await events.callRemote('sendEvents', [
      { seq: 1, device: 'd', severity: 3, summary: 's', daemon: 'victim', user: 'admin' },
    ]);
    const stored = (hub.zhub.hub.env.store as SqliteStore).events.queryEvents({
      device: 'd',
    }).events;
    expect(stored.map((e) => e.daemon)).toEqual(['tester:honest']);
    expect((hub.zhub.hub.env.store as SqliteStore).highWater('tester:victim', 'events')).toBe(0);
    expect((hub.zhub.hub.env.store as SqliteStore).highWater('tester:honest', 'events')).toBe(1);
    client.close();
  });
});
