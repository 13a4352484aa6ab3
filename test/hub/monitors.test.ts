// The hub's monitor directory over the store: a fleet reconnecting asks it thousands of times
// a second, so a collector found is remembered briefly — and only briefly.
import { afterEach, describe, expect, it } from 'vitest';
import { StoreMonitors } from '../../hub/monitors.js';
import { SqliteStore } from '../../hub/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../testing/index.js';

describe('StoreMonitors', () => {
  let store: SqliteStore | undefined;
  afterEach(() => store?.close());

  it('reads the store once a second for a collector found, at once for one not found', async () => {
    const clock = new ManualClock();
    store = new SqliteStore({ dataDir: ':memory:', clock });
    let reads = 0;
    const getCollector = store.model.getCollector.bind(store.model);
    store.model.getCollector = (name: string) => {
      reads++;
      return getCollector(name);
    };
    const monitors = new StoreMonitors(store, () => clock.now());
    store.model.putCollector('east', {});
    reads = 0; // (the store reads too when it writes)
    for (let i = 0; i < 100; i++) expect(await monitors.has('east')).toBe(true);
    expect(reads).toBe(1);

    // Not found is never remembered: a collector added is found on the next ask.
    expect(await monitors.has('west')).toBe(false);
    store.model.putCollector('west', {});
    reads = 0;
    expect(await monitors.has('west')).toBe(true);
    expect(reads).toBe(1);

    // A removed collector is refused once the second has passed.
    store.model.removeCollector('east');
    reads = 0;
    expect(await monitors.has('east')).toBe(true);
    clock.advance(1_000);
    expect(await monitors.has('east')).toBe(false);
    expect(await monitors.has('east')).toBe(false);
    expect(reads).toBe(2);
  });
});
