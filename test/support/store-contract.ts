// The Store contract, run against every store (SQLite in test/hub/store, PostgreSQL in
// test/postgres): what the hub relies on, whatever holds the data. Dialect-only behaviour
// (SQLite's compaction and schema file, PostgreSQL's partitions, pools and several hubs)
// stays in the dialect's own tests.
import { afterEach, describe, expect, it } from 'vitest';
import { readDevicePage, type DeviceConfigPage, type Store } from '../../hub/index.js';
import { ManualClock } from './manual-clock.js';

export interface StoreUnderTest {
  store: Store;
  clock: ManualClock;
  /** Releases what `make` took (a schema, a file). */
  dispose(): Promise<void>;
}

/** A fresh, empty store on `clock` for each test. */
export type MakeStore = (clock: ManualClock) => Promise<Omit<StoreUnderTest, 'clock'>>;

export const ev = (seq: number, over: Record<string, unknown> = {}) => ({
  count: 1,
  seq,
  device: 'r1',
  component: 'eth0',
  eventClass: '/Net',
  eventKey: 'down',
  severity: 4,
  summary: 'link down',
  message: '',
  time: undefined,
  fields: undefined,
  ...over,
});

export const sample = (seq: number, t: number, value = seq, device = 'r1') => ({
  seq,
  device,
  component: '',
  metric: 'cpu',
  value,
  timestamp: t,
});

type DeviceList = Parameters<Store['model']['putDevices']>[0];
const dev = (id: string, collector = 'localhost', extra: Record<string, unknown> = {}) => ({
  id,
  address: `${id}.example`,
  collector,
  ...extra,
});
const devices = (...list: object[]): DeviceList => list as DeviceList;
/** A call that may throw at once (SQLite) or reject (PostgreSQL), as a promise. */
const attempt = (f: () => unknown): Promise<unknown> => Promise.resolve().then(f);

export function describeStore(label: string, make: MakeStore): void {
  describe(`${label}: the Store contract`, () => {
    const made: StoreUnderTest[] = [];
    const fresh = async (): Promise<StoreUnderTest> => {
      const clock = new ManualClock();
      const s = { ...(await make(clock)), clock };
      made.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of made.splice(0)) await s.dispose();
    });

    it('starts with the localhost collector and its default properties', async () => {
      const { store } = await fresh();
      expect((await store.model.listCollectors()).map((c) => c.name)).toEqual(['localhost']);
      expect((await store.model.getCollector('localhost'))?.properties).toMatchObject({
        cycleInterval: 300,
        configCycleInterval: 21_600,
      });
      const g = (await store.model.getCollector('localhost'))?.generation as number;
      expect((await store.model.putCollector('localhost', { cycleInterval: 60 })).changed).toBe(
        true,
      );
      // A merge that changes nothing is no change, and bumps no generation.
      const again = await store.model.putCollector('localhost', { cycleInterval: 60 });
      expect(again).toMatchObject({ created: false, changed: false });
      expect(again.collector.properties).toMatchObject({
        cycleInterval: 60,
        configCycleInterval: 21_600,
      });
      expect(again.collector.generation).toBe(
        (await store.model.getCollector('localhost'))?.generation,
      );
      expect(again.collector.generation).toBeGreaterThanOrEqual(g);
    });

    it('adds, edits, moves and removes devices, bumping generations per collector', async () => {
      const { store, clock } = await fresh();
      await store.model.putCollector('dc2', { cycleInterval: 60 });
      const g0 = (await store.model.getCollector('localhost'))?.generation as number;
      const c1 = await store.model.putDevices(devices(dev('a'), dev('b')), 'add');
      expect(c1).toHaveLength(1);
      expect(c1[0]?.updated.map((d) => d.id)).toEqual(['a', 'b']);
      expect(c1[0]?.generation).toBe(g0 + 1);
      await expect(attempt(() => store.model.putDevices(devices(dev('a')), 'add'))).rejects.toThrow(
        /already exists/,
      );
      clock.advance(10);
      const moved = await store.model.putDevices(
        [{ id: 'a', patch: { collector: 'dc2', title: 'A' } }],
        'edit',
      );
      expect(moved.map((c) => [c.collector, c.updated.map((d) => d.id), c.removed])).toEqual([
        ['dc2', ['a'], []],
        ['localhost', [], ['a']],
      ]);
      expect(await store.model.getDevice('a')).toMatchObject({
        collector: 'dc2',
        title: 'A',
        address: 'a.example',
      });
      // An upsert that leaves the device as it was is no change.
      const same = await store.model.getDevice('b');
      expect(
        await store.model.putDevices(
          devices({ id: 'b', address: same?.address, collector: 'localhost', title: same?.title }),
          'upsert',
        ),
      ).toEqual([]);
      await expect(
        attempt(() => store.model.putDevices([{ id: 'zz', patch: {} }], 'edit')),
      ).rejects.toThrow(/no device/);
      await expect(
        attempt(() => store.model.putDevices(devices(dev('c', 'nowhere')), 'add')),
      ).rejects.toThrow(/no collector/);
      expect((await store.model.removeDevices(['b']))[0]).toMatchObject({
        collector: 'localhost',
        removed: ['b'],
      });
      await expect(attempt(() => store.model.removeCollector('dc2'))).rejects.toThrow(
        /still has 1 device/,
      );
      expect((await store.model.listDevices({ search: 'a.ex' })).devices.map((d) => d.id)).toEqual([
        'a',
      ]);
    });

    it('is all or nothing per change', async () => {
      const { store } = await fresh();
      await store.model.putDevices(devices(dev('x')), 'add');
      await expect(
        attempt(() => store.model.putDevices(devices(dev('y'), dev('x')), 'add')),
      ).rejects.toThrow();
      expect(await store.model.getDevice('y')).toBeUndefined();
    });

    it('computes the pull diff: new, updated since, removed or moved away', async () => {
      const { store, clock } = await fresh();
      await store.model.putCollector('dc2', {});
      await store.model.putDevices(
        devices(dev('keep'), dev('edit'), dev('gone'), dev('move')),
        'add',
      );
      clock.advance(1000);
      const first = await store.model.deviceDiff('localhost', 0, []);
      expect(first.new.map((d) => d.id).sort()).toEqual(['edit', 'gone', 'keep', 'move']);
      const since = first.asOf;
      clock.advance(1000);
      await store.model.putDevices([{ id: 'edit', patch: { address: '10.0.0.9' } }], 'edit');
      await store.model.removeDevices(['gone']);
      await store.model.putDevices([{ id: 'move', patch: { collector: 'dc2' } }], 'edit');
      await store.model.putDevices(devices(dev('fresh')), 'add');
      const diff = await store.model.deviceDiff('localhost', since, [
        'keep',
        'edit',
        'gone',
        'move',
      ]);
      expect(diff.new.map((d) => d.id)).toEqual(['fresh']);
      expect(diff.updated.map((d) => d.id)).toEqual(['edit']);
      expect([...diff.removed].sort()).toEqual(['gone', 'move']);
      expect(diff.generation).toBe((await store.model.getCollector('localhost'))?.generation);
    });

    it('serves the paged config pull: every device in exactly one page, bounded, changes whole', async () => {
      const { store, clock } = await fresh();
      await store.model.putCollector('paged', {});
      const ids = Array.from({ length: 230 }, (_, i) => `p-${String(i).padStart(3, '0')}`);
      await store.model.putDevices(
        devices(...ids.map((id) => ({ id, address: 'x', collector: 'paged' }))),
        'add',
      );
      const limits = { pullPageDevices: 50, pullPageBytes: 1 << 20, pullPageIds: 120 };
      const walk = async (since: number) => {
        const whole: string[] = [];
        const named: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await readDevicePage(
            store.model,
            'paged',
            since,
            cursor,
            limits,
            clock.now(),
          );
          const p = JSON.parse(page.json) as DeviceConfigPage;
          expect(p.devices.length).toBeLessThanOrEqual(50);
          expect(p.devices.length + p.unchanged.length).toBeLessThanOrEqual(120);
          whole.push(...p.devices.map((d) => d.id));
          named.push(...p.unchanged);
          cursor = p.cursor;
          pages++;
        } while (cursor !== null);
        return { whole, named, pages };
      };
      const full = await walk(0);
      expect(full.whole).toEqual(ids);
      expect(full.pages).toBe(5);
      clock.advance(1_000);
      const since = clock.now();
      await store.model.putDevices(
        devices({ id: 'p-100', address: 'y', collector: 'paged' }),
        'upsert',
      );
      const inc = await walk(since);
      expect(inc.whole).toEqual(['p-100']);
      expect([...inc.named, ...inc.whole].sort()).toEqual(ids);
    });

    it('stores a batch exactly once, per daemon, and refuses one that would overtake', async () => {
      const { store } = await fresh();
      expect(
        await store.events.ingestEvents('u:d1', [ev(1), ev(2, { eventKey: 'other' })], 1000),
      ).toMatchObject({ ack: 2, stored: 2, duplicates: 0 });
      expect(
        await store.events.ingestEvents('u:d1', [ev(2, { eventKey: 'other' }), ev(3)], 2000),
      ).toMatchObject({ ack: 3, stored: 1, duplicates: 1 });
      // Another daemon's sequence numbers are its own.
      expect(await store.events.ingestEvents('u:d2', [ev(1)], 3000)).toMatchObject({
        ack: 1,
        stored: 1,
      });
      await expect(
        attempt(() => store.events.ingestEvents('u:d1', [ev(9)], 3000, 0, 7)),
      ).rejects.toMatchObject({ code: 'HUB_ERR_OUT_OF_ORDER', data: { mark: 3, after: 7 } });
      // A batch continuing the stored one is accepted; refused malformed items move the mark.
      expect(await store.events.ingestEvents('u:d1', [ev(4)], 3001, 6, 3)).toMatchObject({
        ack: 6,
        stored: 1,
      });
      expect(await store.highWater('u:d1', 'events')).toBe(6);
      expect(await store.highWater('u:d1', 'metrics')).toBe(0);
    });

    it("keeps a spool's own marks beside its daemon name's", async () => {
      const { store } = await fresh();
      await store.metrics.ingestMetrics(
        'u:d1',
        [sample(1, 1), sample(2, 2)],
        10,
        0,
        undefined,
        'u:d1#A',
      );
      await store.metrics.ingestMetrics('u:d1', [sample(3, 3)], 11, 0, undefined, 'u:d1#B');
      expect(await store.highWater('u:d1', 'metrics')).toBe(3);
      expect(await store.highWater('u:d1#A', 'metrics')).toBe(2);
      expect(await store.highWater('u:d1#B', 'metrics')).toBe(3);
    });

    it('deduplicates by fingerprint and clears by device/component/class/key, in batch order', async () => {
      const { store } = await fresh();
      const r0 = await store.events.ingestEvents(
        'u:d1',
        [ev(1), ev(2), ev(3, { severity: 5 })],
        1000,
      );
      expect(r0.deduplicated).toBe(1);
      let open = (await store.events.queryEvents({ state: 'open' })).events;
      expect(open.map((e) => [e.severity, e.count])).toEqual([
        [5, 1],
        [4, 2],
      ]);
      const r = await store.events.ingestEvents('u:d1', [ev(4, { severity: 0 })], 5000);
      expect(r.cleared).toBe(2);
      open = (await store.events.queryEvents({ state: 'open' })).events;
      expect(open).toEqual([]);
      // After a clear, the same fingerprint opens a new event.
      await store.events.ingestEvents('u:d1', [ev(5)], 6000);
      expect((await store.events.queryEvents({ state: 'open' })).events[0]).toMatchObject({
        count: 1,
        firstTime: 6000,
      });
      // A raise and its clear in one batch, in that order: closed. The other order: open.
      const both = await store.events.ingestEvents(
        'u:d1',
        [ev(6, { eventKey: 'x' }), ev(7, { eventKey: 'x', severity: 0 })],
        7000,
      );
      expect(both.cleared).toBe(1);
      await store.events.ingestEvents(
        'u:d1',
        [ev(8, { eventKey: 'y', severity: 0 }), ev(9, { eventKey: 'y' })],
        8000,
      );
      expect(
        (await store.events.queryEvents({ state: 'open' })).events.map((e) => e.eventKey).sort(),
      ).toEqual(['down', 'y']);
      expect(await store.events.countEvents()).toMatchObject({ rows: 5 });
    });

    it('acknowledges and closes events, refusing to reopen onto an active fingerprint', async () => {
      const { store } = await fresh();
      await store.events.ingestEvents('u:d1', [ev(1, { fields: { ifIndex: 3 } })], 1000);
      const first = (await store.events.queryEvents({})).events[0];
      expect(first?.fields).toEqual({ ifIndex: 3 });
      const id = first?.id as number;
      expect(await store.events.setEventState([id], 'acknowledged', 'ops', 2000)).toBe(1);
      await store.events.ingestEvents('u:d1', [ev(2)], 3000);
      expect((await store.events.queryEvents({})).events[0]).toMatchObject({
        state: 'acknowledged',
        count: 2,
      });
      expect(await store.events.setEventState([id], 'closed', 'ops', 4000)).toBe(1);
      expect((await store.events.queryEvents({ state: 'closed' })).events[0]).toMatchObject({
        closedBy: 'ops',
        closedAt: 4000,
      });
      await store.events.ingestEvents('u:d1', [ev(3)], 5000);
      await expect(
        attempt(() => store.events.setEventState([id], 'open', 'ops', 6000)),
      ).rejects.toMatchObject({ code: 'HUB_ERR_CONFLICT' });
      await expect(
        attempt(() => store.events.setEventState([999], 'closed', 'ops', 6000)),
      ).rejects.toMatchObject({ code: 'HUB_ERR_NOT_FOUND' });
    });

    it('queries events by state, severity and device, worst and newest first, in pages', async () => {
      const { store } = await fresh();
      await store.events.ingestEvents(
        'u:d1',
        [
          ev(1, { device: 'a', severity: 2, eventKey: '1' }),
          ev(2, { device: 'a', severity: 5, eventKey: '2' }),
          ev(3, { device: 'b', severity: 5, eventKey: '3' }),
          ev(4, { device: 'b', severity: 3, eventKey: '4' }),
        ],
        1000,
      );
      const all = await store.events.queryEvents({ state: 'active' });
      expect(all.total).toBe(4);
      expect(all.events.map((e) => e.severity)).toEqual([5, 5, 3, 2]);
      const severe = await store.events.queryEvents({ minSeverity: 4, device: 'b' });
      expect(severe.events.map((e) => e.eventKey)).toEqual(['3']);
      const page = await store.events.queryEvents({ limit: 2, offset: 2 });
      expect(page).toMatchObject({ total: 4 });
      expect(page.events.map((e) => e.severity)).toEqual([3, 2]);
    });

    it('keeps dead letters once per daemon, kind and seq, bounded, listed by daemon', async () => {
      const { store } = await fresh();
      const letter = (seq: number | null, daemon = 'u:d1') => ({
        at: 1,
        daemon,
        kind: 'event' as const,
        seq,
        reason: 'bad_severity',
        message: 'severity must be…',
        item: '{}',
      });
      expect(await store.deadLetters.add([letter(1), letter(2), letter(null)], 10)).toEqual({
        fresh: [true, true, true],
        evicted: 0,
      });
      const again = await store.deadLetters.add([letter(2), letter(3)], 3);
      expect(again.fresh).toEqual([false, true]);
      expect(again.evicted).toBe(1);
      const all = await store.deadLetters.list({});
      expect(all.total).toBe(3);
      expect(all.letters.map((l) => l.seq)).toEqual([3, null, 2]);
      await store.deadLetters.add([letter(1, 'u:other')], 3);
      expect((await store.deadLetters.list({ daemon: 'd1' })).letters.map((l) => l.seq)).toEqual([
        3,
        null,
      ]);
      expect((await store.deadLetters.list({ daemon: 'u:other' })).total).toBe(1);
      expect(await store.deadLetters.get(all.letters[0]?.id as number)).toMatchObject({
        seq: 3,
        item: '{}',
      });
      expect(await store.deadLetters.get(123_456)).toBeUndefined();
    });

    it('stores samples once, queries raw and in step buckets, lists series', async () => {
      const { store } = await fresh();
      const t0 = Math.floor((Date.now() - 3_600_000) / 100_000) * 100_000;
      const samples = Array.from({ length: 100 }, (_, i) => sample(i + 1, t0 + i * 1000, i));
      expect(await store.metrics.ingestMetrics('u:d1', samples, 0)).toMatchObject({
        ack: 100,
        stored: 100,
      });
      expect(await store.metrics.ingestMetrics('u:d1', samples.slice(50), 0)).toMatchObject({
        ack: 100,
        stored: 0,
        duplicates: 50,
      });
      expect(await store.metrics.countSamples()).toBe(100);
      const q = { device: 'r1', metric: 'cpu', from: t0, to: t0 + 10_000 };
      expect((await store.metrics.queryMetrics(q)).map((p) => p.v)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
      const buckets = await store.metrics.queryMetrics({ ...q, to: t0 + 100_000, step: 10_000 });
      expect(buckets.map((b) => [b.t - t0, b.v])).toEqual(
        Array.from({ length: 10 }, (_, i) => [i * 10_000, i * 10 + 4.5]),
      );
      expect(await store.metrics.listSeries('r1')).toEqual([{ component: '', metric: 'cpu' }]);
      expect(await store.metrics.listSeries('nothing')).toEqual([]);
    });

    it('deletes samples past the retention, and only those', async () => {
      const { store } = await fresh();
      const DAY = 86_400_000;
      const today = Math.floor(Date.now() / DAY) * DAY;
      const old = today - 10 * DAY;
      await store.metrics.ingestMetrics(
        'u:m',
        [sample(1, old + 5), sample(2, old + 6), sample(3, today + 10), sample(4, today + 20)],
        today,
      );
      expect(await store.metrics.purgeMetrics(today - 7 * DAY, 1000)).toBe(2);
      expect(await store.metrics.purgeMetrics(today - 7 * DAY, 1000)).toBe(0);
      expect(await store.metrics.countSamples()).toBe(2);
      const left = await store.metrics.queryMetrics({
        device: 'r1',
        metric: 'cpu',
        from: old,
        to: today + DAY,
      });
      expect(left.map((p) => p.t)).toEqual([today + 10, today + 20]);
    });

    it('keeps an audit log, newest first, filtered by user, bounded', async () => {
      const { store } = await fresh();
      for (let i = 1; i <= 4; i++)
        await store.audit.add(
          {
            at: i,
            user: i % 2 ? 'boss' : 'ops',
            action: 'POST /api/devices',
            target: `r${i}`,
            detail: '{}',
          },
          3,
        );
      const all = await store.audit.list({});
      expect(all.total).toBe(3);
      expect(all.entries.map((e) => e.target)).toEqual(['r4', 'r3', 'r2']);
      expect(all.entries[0]).toMatchObject({
        at: 4,
        user: 'ops',
        action: 'POST /api/devices',
        detail: '{}',
      });
      expect((await store.audit.list({ user: 'boss' })).entries.map((e) => e.target)).toEqual([
        'r3',
      ]);
      expect(
        (await store.audit.list({ limit: 1, offset: 1 })).entries.map((e) => e.target),
      ).toEqual(['r3']);
    });

    it('keeps templates: the shipped ones, add/upsert/edit rules, and no remove while bound', async () => {
      const { store, clock } = await fresh();
      expect((await store.templates.list()).map((t) => t.name)).toEqual([
        'host-resources',
        'ping',
        'snmp-interfaces',
      ]);
      const ds = { name: 'p', type: 'ping', params: {}, datapoints: [] };
      clock.advance(5);
      const added = await store.templates.put(
        [{ name: 'edge', description: 'E', datasources: [ds] }],
        'add',
      );
      expect(added).toEqual([
        { name: 'edge', description: 'E', datasources: [ds], updatedAt: clock.now() },
      ]);
      await expect(
        attempt(() =>
          store.templates.put([{ name: 'edge', description: '', datasources: [] }], 'add'),
        ),
      ).rejects.toMatchObject({ code: 'HUB_ERR_CONFLICT' });
      await expect(
        attempt(() => store.templates.put([{ name: 'nope', patch: { description: 'x' } }], 'edit')),
      ).rejects.toMatchObject({ code: 'HUB_ERR_NOT_FOUND' });
      // The same again writes nothing; an edit keeps what it does not name.
      expect(
        await store.templates.put(
          [{ name: 'edge', description: 'E', datasources: [ds] }],
          'upsert',
        ),
      ).toEqual([]);
      clock.advance(5);
      const edited = await store.templates.put(
        [{ name: 'edge', patch: { description: 'E2' } }],
        'edit',
      );
      expect(edited[0]).toMatchObject({
        description: 'E2',
        datasources: [ds],
        updatedAt: clock.now(),
      });
      expect(await store.templates.get('edge')).toEqual(edited[0]);
      // Bound by a device, then by a collector: refused; unbound: removed.
      await store.model.putDevices(
        [{ ...dev('a'), properties: { zDeviceTemplates: ['edge'] } }],
        'add',
      );
      expect(await store.templates.bound('edge')).toEqual({ devices: 1, collectors: 0 });
      await expect(attempt(() => store.templates.remove('edge'))).rejects.toMatchObject({
        code: 'HUB_ERR_CONFLICT',
      });
      await store.model.putDevices([{ id: 'a', patch: { properties: {} } }], 'edit');
      await store.model.putCollector('localhost', { zDeviceTemplates: ['edge', 'ping'] });
      expect(await store.templates.bound('edge')).toEqual({ devices: 0, collectors: 1 });
      await store.model.putCollector('localhost', { zDeviceTemplates: [] });
      expect(await store.templates.remove('edge')).toBe(true);
      expect(await store.templates.remove('edge')).toBe(false);
      expect(await store.templates.get('edge')).toBeUndefined();
    });

    it('reports itself healthy', async () => {
      const { store } = await fresh();
      expect(await store.healthy()).toBe(true);
    });
  });
}
