import { open, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../hub/index.js';
import { GroupCommit } from '../../../hub/store/group-commit.js';
import { ZHubError } from '../../../shared/index.js';

describe('a damaged store is found, named and makes the hub unready', () => {
  it('refuses to open a hub.db with damaged pages, naming the file and the way to recover', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zhub-damaged-'));
    const store = new SqliteStore({ dataDir });
    const samples = Array.from({ length: 20_000 }, (_, i) => ({
      seq: i + 1,
      device: `dev-${i % 500}`,
      component: '',
      metric: `m${i % 7}`,
      value: i,
      timestamp: 1e12 + i,
    }));
    store.metrics.ingestMetrics('u:d', samples, Date.now());
    store.close();
    // Overwrite pages in the middle of the file (a bad sector, a torn copy).
    const f = await open(join(dataDir, 'hub.db'), 'r+');
    const { size } = await f.stat();
    await f.write(Buffer.alloc(4096 * 4, 0xa5), 0, 4096 * 4, Math.floor(size / 2 / 4096) * 4096);
    await f.close();
    expect(() => new SqliteStore({ dataDir })).toThrow(
      expect.objectContaining({
        code: 'HUB_ERR_STORE',
        message: expect.stringMatching(
          // The damage report may span lines (one per broken page).
          new RegExp(`${join(dataDir, 'hub.db')} is damaged[\\s\\S]*\\.recover`),
        ),
      }),
    );
  });

  it('a batch the store fails (not a refusal) makes the writer unhealthy and is reported', async () => {
    const failures: unknown[] = [];
    const writer = new GroupCommit(
      { group: (fn) => fn(), savepoint: (fn) => fn() },
      { maxQueued: 10, onFull: () => new Error('full'), onStoreError: (e) => failures.push(e) },
    );
    const corrupt = Object.assign(new Error('database disk image is malformed'), {
      code: 'SQLITE_CORRUPT',
    });
    await expect(
      writer.submit(() => {
        throw corrupt;
      }),
    ).rejects.toBe(corrupt);
    expect(writer.healthy).toBe(false);
    expect(failures).toEqual([corrupt]);
    // A refusal of zhub's own says nothing about the disk.
    await expect(
      writer.submit(() => {
        throw new ZHubError('HUB_ERR_OUT_OF_ORDER', 'later');
      }),
    ).rejects.toMatchObject({ code: 'HUB_ERR_OUT_OF_ORDER' });
    expect(writer.healthy).toBe(false);
    await writer.submit(() => 1);
    expect(writer.healthy).toBe(true);
  });
});
