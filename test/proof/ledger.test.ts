// The proof suite's verdicts are only as good as its ledger check: it must see a missing item
// and an item stored twice, for events and for samples.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../hub/index.js';
import { checkLedger, exact, SAMPLE_EPOCH } from '../../proof/support/ledger.js';

const ev = (seq: number, key: string) => ({
  seq,
  count: 1,
  device: 'd0',
  component: '',
  eventClass: '/Proof',
  eventKey: key,
  severity: 3,
  summary: 's',
  message: '',
  time: undefined,
  fields: undefined,
});
const sample = (seq: number, v: number) => ({
  seq,
  device: 'd0',
  component: '',
  metric: 'proof',
  value: v,
  timestamp: SAMPLE_EPOCH + v,
});

describe('the proof ledger check', () => {
  it('finds nothing wrong when every item is stored once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-ledger-'));
    const store = new SqliteStore({ dataDir: dir });
    store.events.ingestEvents('u:d0', [ev(1, 'k0'), ev(2, 'k1')], 1);
    store.metrics.ingestMetrics('u:d0', [sample(1, 0), sample(2, 1)], 1);
    store.close();
    const c = await checkLedger(dir, [{ daemon: 'd0', events: 2, samples: 2 }]);
    expect(c).toEqual({ produced: 4, stored: 4, missing: 0, duplicates: 0 });
    expect(exact(c)).toBe(true);
  });

  it('counts a missing event, a repeated event, a missing sample and a sample stored twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-ledger-'));
    const store = new SqliteStore({ dataDir: dir });
    // k1 never arrives; k0 arrives twice (deduplicated into count 2).
    store.events.ingestEvents('u:d0', [ev(1, 'k0'), ev(2, 'k0'), ev(3, 'k2')], 1);
    // Sample 1 is missing, sample 0 stored twice, and 7 was never produced.
    store.metrics.ingestMetrics(
      'u:d0',
      [sample(1, 0), sample(2, 0), sample(3, 2), sample(4, 7)],
      1,
    );
    store.close();
    const c = await checkLedger(dir, [{ daemon: 'd0', events: 3, samples: 3 }]);
    expect(c.missing).toBe(2);
    expect(c.duplicates).toBe(3);
    expect(exact(c)).toBe(false);
  });
});
