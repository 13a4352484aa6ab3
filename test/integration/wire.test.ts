import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloseCode, PROTOCOL_VERSION } from '../../shared/index.js';
import { startHub } from '../support/hub-fixture.js';

interface Outcome {
  code: number;
  messages: unknown[][];
}

/** Opens a raw socket to the hub, sends `frames` (text, or Buffers as binary), and waits for the close. */
function rawExchange(url: string, frames: (string | Buffer)[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: unknown[][] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('hub did not close the connection'));
    }, 15_000);
    ws.on('open', () => {
      for (const f of frames) ws.send(f, { binary: Buffer.isBuffer(f) });
    });
    ws.on('message', (d) =>
      messages.push(...(JSON.parse((d as Buffer).toString()) as unknown[][])),
    );
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, messages });
    });
    ws.on('error', () => undefined);
  });
}

const hello = JSON.stringify([[0, PROTOCOL_VERSION, {}]]);

describe('the /hub endpoint on a real socket', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('closes a peer of another protocol version with 4001 and a goodbye naming the error', async () => {
    const hub = await startHub();
    stop = hub.close;
    const out = await rawExchange(hub.url, [JSON.stringify([[0, 99, {}]])]);
    expect(out.code).toBe(CloseCode.VERSION_MISMATCH);
    expect(out.messages[0]).toEqual([0, PROTOCOL_VERSION, {}]);
    expect(out.messages.find((m) => m[0] === 5)?.[1]).toBe('HUB_ERR_PROTOCOL_VERSION');
  });

  it('closes with 1009 on a frame over the limit (checked by ws before buffering it all)', async () => {
    const hub = await startHub({ rpcLimits: { maxFrameBytes: 64 * 1024 } });
    stop = hub.close;
    const out = await rawExchange(hub.url, [hello, `[[1,1,0,"login",["${'x'.repeat(100_000)}"]]]`]);
    expect(out.code).toBe(CloseCode.TOO_BIG);
  });

  it('closes with 1003 on a binary frame and 1002 on invalid JSON', async () => {
    const hub = await startHub();
    stop = hub.close;
    expect((await rawExchange(hub.url, [hello, Buffer.from([0x5b, 0x5d])])).code).toBe(
      CloseCode.UNSUPPORTED_DATA,
    );
    expect((await rawExchange(hub.url, [hello, '[[1,1,0,'])).code).toBe(CloseCode.PROTOCOL_ERROR);
  });

  it('answers a hostile method name before login with a clean error and keeps the connection', async () => {
    const hub = await startHub();
    stop = hub.close;
    const ws = new WebSocket(hub.url);
    const errors: unknown[][] = [];
    await new Promise((r) => ws.once('open', r));
    const threeErrors = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        for (const m of JSON.parse((d as Buffer).toString()) as unknown[][])
          if (m[0] === 3) errors.push(m);
        if (errors.length === 3) resolve();
      }),
    );
    ws.send(hello);
    ws.send(
      JSON.stringify([
        [1, 1, 0, '__proto__', []],
        [1, 2, 0, 'constructor', []],
        [1, 3, 0, 'login', ['a', 'b']],
      ]),
    );
    await threeErrors;
    const codes = errors.map((m) => (m[2] as { code: string }).code);
    expect(codes).toEqual([
      'HUB_ERR_NO_SUCH_METHOD',
      'HUB_ERR_NO_SUCH_METHOD',
      'HUB_ERR_AUTH_FAILED',
    ]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('refuses upgrades with 503 when it holds its maximum of connections', async () => {
    const hub = await startHub({ limits: { maxConnections: 1 } });
    stop = hub.close;
    const first = new WebSocket(hub.url);
    await new Promise((r) => first.once('open', r));
    const status = await new Promise<number>((resolve) => {
      const second = new WebSocket(hub.url);
      second.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      second.on('error', () => undefined);
    });
    expect(status).toBe(503);
    first.close();
  });
});

describe('shared arguments on real sockets', () => {
  it('writes one encoded payload to many peers as fragments, in order with other messages', async () => {
    const { HubService } = await import('../../hub/index.js');
    const { SharedArgs, Referenceable } = await import('../../shared/index.js');
    const { connectTestClient } = await import('../support/hub-fixture.js');
    class Fanout extends HubService {
      async remote_fanout(n: number): Promise<number> {
        const shared = new SharedArgs([
          { items: Array.from({ length: n }, (_, i) => ({ i, name: `item-${i}` })) },
        ]);
        // A plain call queued first must arrive first.
        const results = await Promise.all(
          this.listeners.flatMap((l) => [
            l.callRemote('note', 'before'),
            l.callRemote('take', shared),
          ]),
        );
        return results.filter((r) => r === 'ok').length;
      }
    }
    class Taker extends Referenceable {
      seen: string[] = [];
      remote_note(s: string): string {
        this.seen.push(s);
        return 'noted';
      }
      remote_take(payload: { items: { i: number }[] }): string {
        this.seen.push(`take:${payload.items.length}`);
        return 'ok';
      }
    }
    const hub = await startHub({ services: [Fanout] });
    try {
      const takers = [new Taker(), new Taker(), new Taker()];
      const clients = await Promise.all(takers.map(() => connectTestClient(hub.url)));
      const proxies = await Promise.all(
        clients.map((c, i) => c.getService('Fanout', { listener: takers[i] })),
      );
      expect(await proxies[0]?.callRemote('fanout', 5000)).toBe(3);
      for (const t of takers) expect(t.seen).toEqual(['before', 'take:5000']);
      for (const c of clients) c.close();
    } finally {
      await hub.close();
    }
  });
});
