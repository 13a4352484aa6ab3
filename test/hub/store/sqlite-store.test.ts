import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../hub/index.js';
import { ManualClock } from '../../support/manual-clock.js';

function memStore() {
  const clock = new ManualClock();
  return { store: new SqliteStore({ dataDir: ':memory:', clock }), clock };
}

// The Store contract (model, events, marks, dead letters, samples) runs in
// sqlite-contract.test.ts; what is SQLite's own is here.
describe('SqliteStore: metric compaction', () => {
  it('answers the same queries before and after compaction, with late samples in order', () => {
    const { store } = memStore();
    const t0 = 2_000_000;
    const batch = (from: number, n: number, shift = 0) =>
      Array.from({ length: n }, (_, i) => ({
        seq: from + i,
        device: 'r1',
        component: i % 2 ? 'eth1' : 'eth0',
        metric: 'in',
        value: from + i,
        timestamp: t0 + (from + i) * 1000 - shift,
      }));
    store.metrics.ingestMetrics('d1', batch(1, 100), 0);
    const q = { device: 'r1', component: 'eth0', metric: 'in', from: t0, to: t0 + 1_000_000 };
    const before = store.metrics.queryMetrics(q);
    const stepped = store.metrics.queryMetrics({ ...q, step: 10_000 });
    expect(store.metrics.compact(30)).toBe(30);
    expect(store.metrics.compact(1000)).toBe(70);
    expect(store.metrics.compact(1000)).toBe(0);
    expect(store.metrics.queryMetrics(q)).toEqual(before);
    expect(store.metrics.queryMetrics({ ...q, step: 10_000 })).toEqual(stepped);
    // A late sample (older timestamp) lands in raw and still sorts into place.
    store.metrics.ingestMetrics(
      'd1',
      [{ seq: 101, device: 'r1', component: 'eth0', metric: 'in', value: -1, timestamp: t0 + 500 }],
      0,
    );
    const merged = store.metrics.queryMetrics(q);
    expect(merged[0]).toEqual({ t: t0 + 500, v: -1 });
    expect(merged).toHaveLength(before.length + 1);
    expect(store.metrics.countSamples()).toBe(101);
  });
});

describe('SqliteStore: schema', () => {
  it('migrates a new data directory and refuses a newer schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-store-'));
    const s = new SqliteStore({ dataDir: dir });
    expect(s.healthy()).toBe(true);
    s.close();
    const db = new Database(join(dir, 'hub.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteStore({ dataDir: dir })).toThrow(
      expect.objectContaining({ code: 'HUB_ERR_STORE_SCHEMA' }),
    );
  });
});
