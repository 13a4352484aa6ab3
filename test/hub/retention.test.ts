import { describe, expect, it } from 'vitest';
import { Retention, SqliteStore } from '../../hub/index.js';
import { silentLogger } from '../../shared/index.js';
import { ManualClock } from '../support/manual-clock.js';

describe('Retention', () => {
  it('deletes samples older than the retention in chunks, and keeps newer ones', async () => {
    const clock = new ManualClock(100 * 86_400_000);
    const store = new SqliteStore({ dataDir: ':memory:', clock });
    const now = clock.now();
    const day = 86_400_000;
    const samples = Array.from({ length: 1000 }, (_, i) => ({
      seq: i + 1,
      device: 'h',
      component: '',
      metric: 'm',
      value: i,
      // 600 samples 8 days old, 400 from the last hour
      timestamp: i < 600 ? now - 8 * day + i : now - 3_600_000 + i,
    }));
    store.metrics.ingestMetrics('d', samples, now);
    const retention = new Retention(store, clock, silentLogger(), {
      metricsDays: 7,
      everyMs: 60_000,
      chunk: 100,
      compactEveryMs: 5_000,
      compactChunk: 250,
    });
    // Compacted first (in rounds of 250 raw rows), then purged by whole chunks.
    expect(await retention.compactNow()).toBe(1000);
    expect(store.metrics.countSamples()).toBe(1000);
    expect(await retention.round()).toBe(600);
    expect(store.metrics.countSamples()).toBe(400);
    expect(await retention.round()).toBe(0);
    const left = store.metrics.queryMetrics({ device: 'h', metric: 'm', from: 0, to: now + 1 });
    expect(left).toHaveLength(400);
    expect(left[0]?.v).toBe(600);
    retention.close();
    expect(clock.pending).toBe(0);
  });
});
