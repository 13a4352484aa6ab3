import { describe, expect, it } from 'vitest';
import { HubService } from '../../hub/index.js';
import { connectTestClient, startHub } from '../support/hub-fixture.js';

class SlowService extends HubService {
  static override serviceName = 'SlowService';
  remote_slow(ms: number): Promise<string> {
    return new Promise((r) => setTimeout(() => r('done'), ms));
  }
}

describe('ZHub.close(drainMs)', () => {
  it('lets a call in flight finish within the drain time, and cuts it off past it', async () => {
    for (const [drainMs, outcome] of [
      [3_000, 'answered'],
      [0, 'cut off'],
    ] as const) {
      const hub = await startHub({ services: [SlowService] });
      const client = await connectTestClient(hub.url, { reconnect: false });
      const slow = await client.getService('SlowService');
      const call = slow.callRemote('slow', 300).then(
        (v) => v,
        (err: { code?: string }) => err.code,
      );
      await new Promise((r) => setTimeout(r, 50)); // the call is on the hub now
      await hub.zhub.close(drainMs);
      expect(await call).toBe(outcome === 'answered' ? 'done' : 'HUB_ERR_CONNECTION_LOST');
      client.close();
    }
  });
});
