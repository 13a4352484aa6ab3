import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HubDaemon } from '../../../daemons/index.js';
import { memoryHub, MEMORY_PASSWORD } from '../../support/memory-hub.js';
import { untilWithClock } from '../../support/until.js';

describe('spool faults are named and reported', () => {
  it('a spool file that is not a database stops the daemon with HUB_ERR_SPOOL naming the file', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zhub-spool-bad-'));
    await writeFile(
      join(dataDir, 'spool.db'),
      'this is not a database, just some text '.repeat(200),
    );
    const make = () =>
      new HubDaemon({ url: 'memory://hub', username: 'u', password: 'p', type: 't', dataDir });
    expect(make).toThrow(
      expect.objectContaining({
        code: 'HUB_ERR_SPOOL',
        message: expect.stringContaining(join(dataDir, 'spool.db')),
      }),
    );
  });

  it("the block policy's refusals reach the heartbeat and the hub's status, as drops do", async () => {
    const env = await memoryHub();
    const d = new HubDaemon({
      url: 'memory://hub',
      username: 'daemon',
      password: MEMORY_PASSWORD,
      type: 'test',
      name: 'blocked-1',
      dataDir: await mkdtemp(join(tmpdir(), 'zhub-spool-block-')),
      clock: env.clock,
      connector: env.connector,
      spool: { maxEntries: 5, overflow: 'block' },
      limits: { pingIntervalMs: 86_400_000, connectTimeoutMs: 3_600_000 },
      logger: pino({ level: 'silent' }),
    });
    try {
      d.writeMetrics(
        Array.from({ length: 8 }, (_, i) => ({
          device: 'x',
          metric: 'm',
          value: i,
          timestamp: 1e12 + i,
        })),
      );
      d.flushSamples();
      expect(d.spool.stats.refused).toBe(8);
      d.start();
      await untilWithClock(env.clock, () =>
        env.hub.env.heartbeats.list().some((h) => h.daemon === 'blocked-1'),
      );
      const beat = env.hub.env.heartbeats.list().find((h) => h.daemon === 'blocked-1');
      expect(beat?.figures).toMatchObject({ spoolRefused: 8, spoolDropped: 0 });
    } finally {
      await d.stop();
    }
  });
});
