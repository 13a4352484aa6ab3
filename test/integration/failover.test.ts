// A client given several hub URLs fails over to the next when its hub goes away, and skips a
// hub that cannot be reached without waiting out a backoff.
import { describe, expect, it } from 'vitest';
import { connectTestClient, startHub } from '../support/hub-fixture.js';

describe('failover across hub URLs', () => {
  it('moves to the next hub when its hub closes, and keeps its services working', async () => {
    const a = await startHub();
    const b = await startHub();
    try {
      const client = await connectTestClient(`${a.url},${b.url}`);
      expect(client.url).toBe(a.url);
      const add = await client.getService('AddService');
      const moved = new Promise<{ url: string }>((r) => client.once('connect', r));
      await a.close();
      expect((await moved).url).toBe(b.url);
      expect(await add.callRemote('add', 2, 2)).toBe(4);
      client.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('skips an unreachable first URL at once', async () => {
    const b = await startHub();
    try {
      const client = await connectTestClient(`ws://127.0.0.1:1/hub, ${b.url}`, {
        limits: { reconnectBaseMs: 50, reconnectMaxMs: 60_000 },
      });
      expect(client.url).toBe(b.url);
      client.close();
    } finally {
      await b.close();
    }
  });
});
