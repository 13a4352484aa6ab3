// The daemon's own WebSocket opening handshake (daemons/ws-upgrade.ts) against scripted
// servers on real loopback sockets: what it writes, which answers it takes, and every way an
// answer can be wrong, slow or hostile.
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { wsConnector } from '../../daemons/ws-connect.js';
import { upgradeTarget } from '../../daemons/ws-upgrade.js';
import type { Transport } from '../../shared/index.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const acceptOf = (key: string): string =>
  createHash('sha1')
    .update(key + GUID)
    .digest('base64');

const connector = wsConnector({ maxFrameBytes: 1024 * 1024, handshakeTimeoutMs: 500 });

let servers: Server[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
  sockets = [];
});

/**
 * A TCP server that reads one request head and answers what `answer` makes of it (the
 * request's text and its Sec-WebSocket-Key); the request text is kept for the test.
 */
async function scripted(
  answer: (key: string, request: string, socket: Socket) => void,
): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let got = '';
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end < 0 || requests.length > 0) return;
      requests.push(got.slice(0, end));
      const key = /\r\nSec-WebSocket-Key: (\S+)/i.exec(got)?.[1] ?? '';
      answer(key, got, socket);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/hub?x=1`, requests };
}

const ok101 = (key: string, extra = ''): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Accept: ${acceptOf(key)}\r\n${extra}\r\n`;

async function failure(url: string): Promise<{ code?: string; message: string }> {
  try {
    const t = await connector(url);
    t.close(1000, 'unexpected');
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('the connect did not fail');
}

describe('the daemon side of the WebSocket opening handshake', () => {
  it('writes one RFC 6455 request, carrying the first frame, and takes a 101 with frames in the same segment', async () => {
    // A real ws server: the 101 and a first frame in one write.
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    const got: string[] = [];
    wss.on('headers', (headers, req) => {
      got.push(String(req.headers['x-zhub-frame']));
      headers.push('X-Zhub-Frame: taken');
      req.socket.cork();
      setImmediate(() => req.socket.uncork());
    });
    wss.on('connection', (ws) => {
      ws.send('[[0,1,{}]]');
      ws.on('message', (m: Buffer) => ws.send(`echo ${m.toString()}`));
    });
    await new Promise((r) => wss.once('listening', r));
    try {
      const { port } = wss.address() as { port: number };
      const t: Transport = await connector(`ws://127.0.0.1:${port}/hub`, {
        upgradeFrame: '[[0,1,{}]]',
      });
      expect(t.upgradeFrameTaken).toBe(true);
      expect(got).toEqual(['[[0,1,{}]]']);
      const messages: string[] = [];
      const closed = new Promise<number>((resolve) =>
        t.attach({
          message: (data) => {
            messages.push((data as Buffer).toString());
            if (messages.length === 1) t.send('hi');
            else t.close(1000, 'done');
          },
          close: (code) => resolve(code),
        }),
      );
      // The server answered a masked frame (ws refuses unmasked ones from a client).
      expect(await closed).toBe(1000);
      expect(messages).toEqual(['[[0,1,{}]]', 'echo hi']);
    } finally {
      await new Promise((r) => wss.close(r));
    }
  });

  it('sends the request line, Host and the handshake headers as RFC 6455 asks', async () => {
    const s = await scripted((key, _req, socket) => socket.end(ok101(key)));
    const t = await connector(s.url);
    t.close(1000, 'bye');
    const [head] = s.requests;
    const lines = (head ?? '').split('\r\n');
    expect(lines[0]).toBe('GET /hub?x=1 HTTP/1.1');
    expect(lines).toContain(`Host: ${new URL(s.url).host}`);
    expect(lines).toContain('Upgrade: websocket');
    expect(lines).toContain('Connection: Upgrade');
    expect(lines).toContain('Sec-WebSocket-Version: 13');
    const key = lines.find((l) => l.startsWith('Sec-WebSocket-Key: '))?.slice(19) ?? '';
    expect(Buffer.from(key, 'base64')).toHaveLength(16);
    expect(t.upgradeFrameTaken).toBe(false);
  });

  it('reports a refusal with its HTTP status', async () => {
    const s = await scripted((_k, _r, socket) =>
      socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\r\n{"error":"hub busy"}'),
    );
    const err = await failure(s.url);
    expect(err.code).toBe('HUB_ERR_NOT_CONNECTED');
    expect(err.message).toContain('refused the upgrade (HTTP 503)');
  });

  it.each([
    ['a wrong accept', (key: string) => ok101(`${key}x`), 'wrong Sec-WebSocket-Accept'],
    [
      'no Upgrade header',
      (key: string) =>
        `HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n\r\n`,
      'does not upgrade to websocket',
    ],
    [
      'no Connection: Upgrade',
      (key: string) =>
        `HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n\r\n`,
      'Connection: Upgrade',
    ],
    [
      'an extension not offered',
      (key: string) => ok101(key, 'Sec-WebSocket-Extensions: permessage-deflate\r\n'),
      'extension',
    ],
    [
      'a subprotocol not offered',
      (key: string) => ok101(key, 'Sec-WebSocket-Protocol: chat\r\n'),
      'subprotocol',
    ],
    ['an answer that is not HTTP', () => 'SSH-2.0-OpenSSH_9.2\r\n\r\n', 'not HTTP'],
    ['a header line without a colon', (key: string) => ok101(key, 'garbage\r\n'), 'not HTTP'],
  ])('refuses a 101 with %s', async (_what, answer, message) => {
    const s = await scripted((key, _r, socket) => socket.write(answer(key)));
    const err = await failure(s.url);
    expect(err.code).toBe('HUB_ERR_NOT_CONNECTED');
    expect(err.message).toContain(message);
  });

  it('takes header names in any case and a Connection list', async () => {
    const s = await scripted((key, _r, socket) =>
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n` +
          `sec-websocket-accept: ${acceptOf(key)}\r\n\r\n`,
      ),
    );
    const t = await connector(s.url);
    t.close(1000, 'bye');
  });

  it('bounds the answer head, and the wait for it', async () => {
    const huge = await scripted((_k, _r, socket) =>
      socket.write(`HTTP/1.1 101 OK\r\nX-Big: ${'a'.repeat(20_000)}`),
    );
    expect((await failure(huge.url)).message).toContain('too large');
    const silent = await scripted(() => undefined);
    const started = Date.now();
    expect((await failure(silent.url)).message).toContain('no answer to the upgrade within 500 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const dripping = await scripted((_k, _r, socket) => {
      socket.write('HTTP/1.1 101 OK\r\n');
      const t = setInterval(() => socket.write('X-A: b\r\n'), 50);
      socket.on('close', () => clearInterval(t));
    });
    expect((await failure(dripping.url)).message).toContain('no answer to the upgrade');
  });

  it('reports a connection closed before the answer, and one refused', async () => {
    const closing = await scripted((_k, _r, socket) => socket.destroy());
    expect((await failure(closing.url)).message).toContain(
      'closed before the upgrade was answered',
    );
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const refused = await failure(`ws://127.0.0.1:${port}/hub`);
    expect(refused.code).toBe('HUB_ERR_NOT_CONNECTED');
    expect(refused.message).toMatch(/cannot connect to .*ECONNREFUSED/);
  });

  it('refuses URLs it cannot use, before connecting', async () => {
    for (const url of ['ftp://127.0.0.1/hub', 'not a url', 'ws://127.0.0.1:1/hub#frag']) {
      const err = await failure(url);
      expect(err.code).toBe('HUB_ERR_CONFIG');
    }
  });

  it('refuses a source address it cannot use as a configuration error', async () => {
    const bad = wsConnector({
      maxFrameBytes: 1024,
      handshakeTimeoutMs: 500,
      localAddress: 'not-an-address',
    });
    await expect(bad('ws://127.0.0.1:1/hub')).rejects.toMatchObject({ code: 'HUB_ERR_CONFIG' });
  });

  it('reads hosts, ports and paths from ws, wss and IPv6 URLs', () => {
    expect(upgradeTarget('ws://[::1]:8789/hub')).toEqual({
      secure: false,
      host: '::1',
      port: 8789,
      path: '/hub',
      hostHeader: '[::1]:8789',
    });
    expect(upgradeTarget('wss://hub.example/x?y=1')).toMatchObject({
      secure: true,
      host: 'hub.example',
      port: 443,
      path: '/x?y=1',
      hostHeader: 'hub.example',
    });
    expect(upgradeTarget('ws://h/')).toMatchObject({ port: 80, path: '/' });
  });
});
