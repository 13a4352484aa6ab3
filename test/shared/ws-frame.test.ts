// The hub writes its frames whole (shared/rpc/ws-frame.ts): a real ws client must read every
// length class of RFC 6455 (7-, 16- and 64-bit lengths, at their edges) and UTF-8 intact.
import { WebSocket, WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { WsTransport } from '../../shared/index.js';

describe('whole frames written by the hub', () => {
  it('arrive intact at a ws client, every length class and UTF-8', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const { port } = wss.address() as { port: number };
    const texts = [
      '',
      'x',
      'a'.repeat(125),
      'a'.repeat(126),
      'é'.repeat(63), // 126 bytes in 63 characters
      'a'.repeat(65_535),
      'a'.repeat(65_536),
      `${'ü'.repeat(40_000)}🙂`, // over 64 KiB in bytes, not in characters
      'a'.repeat(300_000),
    ];
    // ws's own frame writer is not used on this path: counted to make sure.
    let wsFrames = 0;
    const serverSide = new Promise<WsTransport>((r) =>
      wss.once('connection', (ws) => {
        const sender = (ws as unknown as { _sender: { sendFrame: (...a: unknown[]) => void } })
          ._sender;
        const original = sender.sendFrame.bind(sender);
        sender.sendFrame = (...a: unknown[]) => {
          wsFrames++;
          original(...a);
        };
        r(new WsTransport(ws, 'peer'));
      }),
    );
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const got: string[] = [];
    const all = new Promise<void>((resolve, reject) => {
      client.on('message', (data, isBinary) => {
        if (isBinary) reject(new Error('binary frame'));
        got.push((data as Buffer).toString());
        if (got.length === texts.length) resolve();
      });
      client.once('error', reject);
    });
    await new Promise((r) => client.once('open', r));
    const transport = await serverSide;
    transport.attach({ message: () => undefined, close: () => undefined });
    for (const t of texts) transport.send(t);
    await all;
    expect(got.map((g) => g.length)).toEqual(texts.map((t) => t.length));
    expect(got).toEqual(texts);
    expect(wsFrames).toBe(0);
    client.close();
    await new Promise<void>((r) => wss.close(() => r()));
  });
});
