// A client's first frame (hello and login, with its services) travels in the WebSocket upgrade
// request, and the hub answers the login in its first frame: one round trip and one write
// fewer on every connect. Watched from outside, through a TCP relay between client and hub
// that records what the client writes and can strip either side's header, as a proxy might.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { HubClient } from '../../daemons/index.js';
import { UserStore } from '../../hub/index.js';
import { Op, PROTOCOL_VERSION } from '../../shared/index.js';
import { TEST_PASSWORD, TEST_USER, startHub } from '../support/hub-fixture.js';

interface Relay {
  url: string;
  /** What the clients wrote, as text, per connection. */
  written: string[];
  close(): Promise<void>;
}

/** A relay to `target` (ws://host:port/path); `rewrite` edits each side's HTTP head. */
async function relay(
  target: string,
  rewrite: { request?: (head: string) => string; response?: (head: string) => string } = {},
): Promise<Relay> {
  const t = new URL(target);
  const written: string[] = [];
  const sockets = new Set<Socket>();
  const headOnce = (edit: ((head: string) => string) | undefined) => {
    let done = edit === undefined;
    return (chunk: Buffer): Buffer => {
      if (done) return chunk;
      done = true;
      const text = chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      return Buffer.from(
        (edit as (h: string) => string)(text.slice(0, end + 4)) + text.slice(end + 4),
        'latin1',
      );
    };
  };
  const server: Server = createServer((down) => {
    const i = written.push('') - 1;
    const up = connect(Number(t.port), t.hostname);
    sockets.add(down).add(up);
    const req = headOnce(rewrite.request);
    const res = headOnce(rewrite.response);
    down.on('data', (c: Buffer) => {
      written[i] += c.toString('latin1');
      up.write(req(c));
    });
    up.on('data', (c: Buffer) => down.write(res(c)));
    for (const [a, b] of [
      [down, up],
      [up, down],
    ] as const) {
      a.on('end', () => b.end());
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}${t.pathname}`,
    written,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** The bytes a connection wrote after its HTTP head (its WebSocket frames). */
const afterHead = (text: string): string => text.slice(text.indexOf('\r\n\r\n') + 4);

function client(url: string, extra: { name?: string; frameInUpgrade?: boolean } = {}): HubClient {
  return new HubClient({
    url,
    username: TEST_USER,
    password: TEST_PASSWORD,
    name: extra.name ?? 'upgrader',
    reconnect: false,
    ...(extra.frameInUpgrade !== undefined ? { frameInUpgrade: extra.frameInUpgrade } : {}),
  });
}

const loginCalls = (hub: Awaited<ReturnType<typeof startHub>>): number =>
  hub.zhub.hub.env.metrics.methods().find((m) => m.method === 'login')?.calls ?? 0;

describe('the first frame in the upgrade request', () => {
  const undo: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const u of undo.splice(0).reverse()) await u();
  });

  async function setup(rewrite?: Parameters<typeof relay>[1]) {
    const hub = await startHub();
    undo.push(hub.close);
    const r = await relay(hub.url, rewrite);
    undo.push(r.close);
    return { hub, r };
  }

  it('carries the hello and the login: the client writes no frame until it is logged in', async () => {
    const { hub, r } = await setup();
    const c = client(r.url);
    undo.push(() => c.close());
    c.start();
    const add = c.getService('AddService');
    await c.whenConnected(10_000);
    await add;
    const head = r.written[0] as string;
    expect(head.toLowerCase()).toContain('x-zhub-frame: [[0,');
    expect(head).toContain('"login"');
    // Logged in with its service, and nothing written after the upgrade's head.
    expect(afterHead(head)).toBe('');
    expect(loginCalls(hub)).toBe(1);
    expect(await (await add).callRemote('add', 2, 3)).toBe(5);
  });

  it('a hub that does not say it took the frame gets it over the socket', async () => {
    const { hub, r } = await setup({
      response: (h) => h.replace(/X-Zhub-Frame: taken\r\n/i, ''),
    });
    const c = client(r.url);
    undo.push(() => c.close());
    c.start();
    await c.whenConnected(10_000);
    // Sent again over the socket (a proxy dropped the answer): the hub drops the repeat.
    expect(afterHead(r.written[0] as string).length).toBeGreaterThan(0);
    expect(loginCalls(hub)).toBe(1);
    expect(await c.hub?.callRemote('ping')).toBe('pong');
  });

  it('a hub that never saw the header (a proxy stripped it) logs the client in as before', async () => {
    const { hub, r } = await setup({
      request: (h) => h.replace(/x-zhub-frame: [^\r]*\r\n/i, ''),
    });
    const c = client(r.url);
    undo.push(() => c.close());
    c.start();
    await c.whenConnected(10_000);
    expect(loginCalls(hub)).toBe(1);
    expect(await c.hub?.callRemote('ping')).toBe('pong');
  });

  it('writes what is not ASCII as JSON escapes, and the hub reads the same text', async () => {
    const users = new UserStore();
    await users.set(TEST_USER, TEST_PASSWORD);
    const hub = await startHub({ users });
    undo.push(hub.close);
    const r = await relay(hub.url);
    undo.push(r.close);
    const name = 'sonde-Zürich-東京-😀';
    const c = client(r.url, { name });
    undo.push(() => c.close());
    c.start();
    await c.whenConnected(10_000);
    expect(r.written[0]).toContain('\\u00fc');
    expect(afterHead(r.written[0] as string)).toBe('');
    expect([...hub.zhub.hub.sessions].map((s) => s.daemon)).toContain(name);
  });

  it('frameInUpgrade: false sends it over the socket', async () => {
    const { hub, r } = await setup();
    const c = client(r.url, { frameInUpgrade: false });
    undo.push(() => c.close());
    c.start();
    await c.whenConnected(10_000);
    expect((r.written[0] as string).toLowerCase()).not.toContain('x-zhub-frame');
    expect(loginCalls(hub)).toBe(1);
  });

  it('is checked as any frame: not JSON, too deep, or a hello of another version', async () => {
    const hub = await startHub();
    undo.push(hub.close);
    const goodbye = async (frame: string): Promise<unknown[]> => {
      const ws = new WebSocket(hub.url, { headers: { 'x-zhub-frame': frame } });
      const first = await new Promise<unknown[][]>((resolve, reject) => {
        ws.once('message', (d) => resolve(JSON.parse((d as Buffer).toString()) as unknown[][]));
        ws.once('error', reject);
      });
      ws.terminate();
      return first.find((m) => m[0] === Op.GOODBYE) as unknown[];
    };
    expect((await goodbye('not json'))[1]).toBe('HUB_ERR_PROTOCOL');
    expect(
      (await goodbye(`[[0,${PROTOCOL_VERSION},{}],${'['.repeat(300)}${']'.repeat(300)}]`))[1],
    ).toBe('HUB_ERR_TOO_DEEP');
    expect((await goodbye('[[0,999,{}]]'))[1]).toBe('HUB_ERR_PROTOCOL_VERSION');
    // And a login refused there is refused as over the socket.
    const ws = new WebSocket(hub.url, {
      headers: {
        'x-zhub-frame': JSON.stringify([
          [Op.HELLO, PROTOCOL_VERSION, {}],
          [Op.CALL, 1, 0, 'login', [TEST_USER, 'wrong']],
        ]),
      },
    });
    const frame = await new Promise<unknown[][]>((resolve) =>
      ws.once('message', (d) => resolve(JSON.parse((d as Buffer).toString()) as unknown[][])),
    );
    expect(frame.map((m) => m[0])).toEqual([Op.HELLO, Op.ERROR]);
    expect((frame[1]?.[2] as { code: string }).code).toBe('HUB_ERR_AUTH_FAILED');
    ws.terminate();
  });
});
