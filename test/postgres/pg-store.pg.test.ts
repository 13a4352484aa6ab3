// The PostgreSQL store against a real server, beyond the Store contract (pg-contract.pg.test.ts):
// what must be global when several hubs share it — migrations run once, tombstones for other
// hubs, dedup and delivery marks across two pools, batch order on a pool — and retention by
// day partitions.
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.js';
import { ev, sample } from '../support/store-contract.js';
import { TestSchema } from './pg-fixture.js';

const DAY = 86_400_000;

describe('PgStore', () => {
  const schema = new TestSchema();
  afterAll(() => schema.drop());

  it('migrates once even when hubs start together, and starts with the localhost collector', async () => {
    const [a, b, c] = await Promise.all([schema.store(), schema.store(), schema.store()]);
    expect((await a.model.listCollectors()).map((x) => x.name)).toEqual(['localhost']);
    expect((await b.model.getCollector('localhost'))?.properties).toMatchObject({
      cycleInterval: 300,
    });
    const v = await c.pool.query<{ version: number }>('SELECT version FROM zhub_schema');
    expect(v.rows).toEqual([{ version: 5 }]);
    // The shipped templates came with the templates table, once.
    expect((await a.templates.list()).map((t) => t.name)).toEqual([
      'host-resources',
      'ping',
      'snmp-interfaces',
    ]);
  });

  it('adds, moves and removes devices, bumping generations, leaving tombstones for other hubs', async () => {
    const clock = new ManualClock();
    const store = await schema.store(clock);
    await store.model.putCollector('dc2', { cycleInterval: 60 });
    const g0 = (await store.model.getCollector('localhost'))?.generation as number;
    const c1 = await store.model.putDevices(
      [
        { id: 'a', address: 'a.example' },
        { id: 'b', address: 'b.example' },
      ] as never,
      'add',
    );
    expect(c1[0]?.generation).toBe(g0 + 1);
    await expect(
      store.model.putDevices([{ id: 'a', address: 'x' }] as never, 'add'),
    ).rejects.toThrow(/already exists/);
    const moved = await store.model.putDevices([{ id: 'a', patch: { collector: 'dc2' } }], 'edit');
    expect(moved.map((c) => [c.collector, c.updated.map((d) => d.id), c.removed])).toEqual([
      ['dc2', ['a'], []],
      ['localhost', [], ['a']],
    ]);
    // Another hub that knew generation g0 rebuilds the change from the store alone.
    const since = await store.model.changesSince('localhost', g0);
    expect(since?.updated.map((d) => d.id)).toEqual(['b']);
    expect(since?.removed).toEqual(['a']);
    await expect(store.model.removeCollector('dc2')).rejects.toThrow(/still has 1 device/);
    await expect(
      store.model.putDevices(
        [
          { id: 'y', address: 'y' },
          { id: 'b', address: 'b' },
        ] as never,
        'add',
      ),
    ).rejects.toThrow();
    expect(await store.model.getDevice('y')).toBeUndefined();
    const diff = await store.model.deviceDiff('localhost', 0, ['a', 'b', 'gone']);
    expect(diff.removed).toEqual(['a', 'gone']);
    expect(diff.updated.map((d) => d.id)).toEqual(['b']);
    expect((await store.model.listDevices({ search: 'b' })).devices.map((d) => d.id)).toEqual([
      'b',
    ]);
  });

  it('deduplicates across hubs and keeps one mark per daemon whichever hub a batch reaches', async () => {
    const [a, b] = await Promise.all([schema.store(), schema.store()]);
    const fp = { device: 'shared', eventKey: 'cpu' };
    await Promise.all([
      a.events.ingestEvents('u:east', [ev(1, fp), ev(2, fp)], 2_000),
      b.events.ingestEvents('u:west', [ev(1, fp)], 2_000),
    ]);
    const open = await b.events.queryEvents({ state: 'active', device: 'shared' });
    expect(open.events.map((e) => e.count)).toEqual([3]);
    // The same batch sent to both hubs at once (a failover resend): stored once.
    const batch = [sample(1, Date.now()), sample(2, Date.now() + 1)];
    const [ra, rb] = await Promise.all([
      a.metrics.ingestMetrics('u:mover', batch, 3_000),
      b.metrics.ingestMetrics('u:mover', batch, 3_000),
    ]);
    expect(ra.stored + rb.stored).toBe(2);
    expect(ra.duplicates + rb.duplicates).toBe(2);
  });

  it("keeps one daemon's batches in arrival order on a pool, even when the later one is quicker", async () => {
    const store = await schema.store();
    const t = Date.now();
    await store.metrics.ingestMetrics('u:ordered', [sample(1, t, 1, 'warm')], t);
    // Every pooled connection open, so neither batch waits for one.
    await Promise.all([1, 2, 3, 4].map(() => store.pool.query('SELECT pg_sleep(0.02)')));
    // Batch A needs a new series looked up; batch B's is cached and would commit first.
    const a = store.metrics.ingestMetrics(
      'u:ordered',
      [sample(2, t + 1, 2, 'cold-a'), sample(3, t + 2, 3, 'cold-b')],
      t,
    );
    const b = store.metrics.ingestMetrics(
      'u:ordered',
      [sample(4, t + 3, 4, 'warm'), sample(5, t + 4, 5, 'warm')],
      t,
    );
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.stored, rb.stored]).toEqual([2, 2]);
    const got = await Promise.all(
      ['warm', 'cold-a', 'cold-b'].map((d) =>
        store.metrics.queryMetrics({ device: d, metric: 'cpu', from: t - 1, to: t + 10 }),
      ),
    );
    expect(
      got
        .flat()
        .map((p) => p.v)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it('queries samples raw and in steps, and drops whole day partitions for retention', async () => {
    const store = await schema.store();
    const today = Math.floor(Date.now() / DAY) * DAY;
    const old = today - 10 * DAY;
    await store.metrics.ingestMetrics(
      'u:m',
      [
        sample(1, old + 5, 1, 'r9'),
        sample(2, old + 6, 3, 'r9'),
        sample(3, today + 10, 5, 'r9'),
        sample(4, today + 20, 7, 'r9'),
      ],
      today,
    );
    const raw = await store.metrics.queryMetrics({
      device: 'r9',
      metric: 'cpu',
      from: old,
      to: today + DAY,
    });
    expect(raw).toEqual([
      { t: old + 5, v: 1 },
      { t: old + 6, v: 3 },
      { t: today + 10, v: 5 },
      { t: today + 20, v: 7 },
    ]);
    const stepped = await store.metrics.queryMetrics({
      device: 'r9',
      metric: 'cpu',
      from: today,
      to: today + DAY,
      step: 1_000,
    });
    expect(stepped).toEqual([{ t: today, v: 6 }]);
    const before = await store.metrics.countSamples();
    expect(await store.metrics.purgeMetrics(today - 7 * DAY, 1000)).toBe(2);
    expect(await store.metrics.purgeMetrics(today - 7 * DAY, 1000)).toBe(0);
    expect(await store.metrics.countSamples()).toBe(before - 2);
    expect((await store.metrics.listSeries('r9')).map((s) => s.metric)).toEqual(['cpu']);
  });
});
