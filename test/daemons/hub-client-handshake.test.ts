// The client's handshake on a real socket: its login leaves with its hello in one frame (one
// round trip less per connect), and a hub of another protocol version is still reported as that.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { HubClient } from '../../daemons/index.js';
import { PROTOCOL_VERSION } from '../../shared/index.js';
import { ManualClock } from '../support/manual-clock.js';

describe('HubClient handshake', () => {
  let wss: WebSocketServer | undefined;
  let client: HubClient | undefined;
  afterEach(async () => {
    client?.close();
    await new Promise((r) => wss?.close(r) ?? r(undefined));
  });

  /** A raw peer that records the client's frames and greets it with `version`. */
  async function peer(version: number): Promise<{ url: string; frames: unknown[][][] }> {
    const frames: unknown[][][] = [];
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify([[0, version, {}]]));
      ws.on('message', (data) =>
        frames.push(JSON.parse((data as Buffer).toString()) as unknown[][]),
      );
    });
    await new Promise((r) => wss?.once('listening', r));
    return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, frames };
  }

  it('sends its login with its hello, before the hub has greeted it back', async () => {
    const { url, frames } = await peer(PROTOCOL_VERSION);
    client = new HubClient({ url, username: 'u', password: 'p', reconnect: false });
    client.start();
    await expect.poll(() => frames.length).toBeGreaterThan(0);
    const first = frames[0] as unknown[][];
    expect(first.map((m) => m[0])).toEqual([0, 1]);
    expect(first[1]?.[3]).toBe('login');
  });

  it('reports a hub of another protocol version as HUB_ERR_PROTOCOL_VERSION, not as a lost login', async () => {
    const { url } = await peer(PROTOCOL_VERSION + 98);
    client = new HubClient({ url, username: 'u', password: 'p', reconnect: false });
    client.start();
    await expect(client.whenConnected(5_000)).rejects.toMatchObject({
      code: 'HUB_ERR_PROTOCOL_VERSION',
    });
    expect(client.state).toBe('failed');
  });
});

describe('HubClient connecting', () => {
  it('a connect that hangs past the deadline fails the attempt, and rejects nothing unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    const clock = new ManualClock();
    const client = new HubClient({
      url: 'ws://127.0.0.1:9/hub',
      username: 'u',
      password: 'p',
      clock,
      reconnect: false,
      limits: { connectTimeoutMs: 1_000 },
      rpcLimits: { handshakeTimeoutMs: 500 },
      // A black hole: the connection never opens. The broker (made before the socket, its
      // login queued) times out its handshake while the connect is still pending.
      connector: () => new Promise(() => undefined),
    });
    try {
      client.start();
      const connected = client.whenConnected(5_000);
      connected.catch(() => undefined);
      await new Promise((r) => setImmediate(r));
      clock.advance(500); // the broker gives up on the hello: its pending login fails
      await new Promise((r) => setTimeout(r, 20));
      clock.advance(500); // the connect's own deadline
      await expect(connected).rejects.toMatchObject({ code: 'HUB_ERR_TIMEOUT' });
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      expect(client.state).toBe('closed');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      client.close();
    }
  });
});
