import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../hub/index.js';
import { ManualClock } from '../../support/manual-clock.js';

const dev = (id: string, collector = 'localhost', extra = {}) => ({
  id,
  address: `${id}.example`,
  collector,
  ...extra,
});
const ev = (seq: number, over: Record<string, unknown> = {}) => ({
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

function memStore() {
  const clock = new ManualClock();
  return { store: new SqliteStore({ dataDir: ':memory:', clock }), clock };
}

describe('SqliteStore: model', () => {
  it('starts with the localhost collector and its default properties', () => {
    const { store } = memStore();
    expect(store.model.listCollectors().map((c) => c.name)).toEqual(['localhost']);
    expect(store.model.getCollector('localhost')?.properties).toMatchObject({ cycleInterval: 300 });
  });

  it('adds, edits, moves and removes devices, bumping generations per collector', () => {
    const { store, clock } = memStore();
    store.model.putCollector('dc2', { cycleInterval: 60 });
    const g0 = store.model.getCollector('localhost')?.generation as number;
    const c1 = store.model.putDevices([dev('a'), dev('b')], 'add');
    expect(c1).toHaveLength(1);
    expect(c1[0]?.updated.map((d) => d.id)).toEqual(['a', 'b']);
    expect(c1[0]?.generation).toBe(g0 + 1);
    expect(() => store.model.putDevices([dev('a')], 'add')).toThrow(/already exists/);
    clock.advance(10);
    const moved = store.model.putDevices(
      [{ id: 'a', patch: { collector: 'dc2', title: 'A' } }],
      'edit',
    );
    expect(moved.map((c) => [c.collector, c.updated.map((d) => d.id), c.removed])).toEqual([
      ['dc2', ['a'], []],
      ['localhost', [], ['a']],
    ]);
    expect(store.model.getDevice('a')).toMatchObject({
      collector: 'dc2',
      title: 'A',
      address: 'a.example',
    });
    expect(() => store.model.putDevices([{ id: 'zz', patch: {} }], 'edit')).toThrow(/no device/);
    expect(() => store.model.putDevices([dev('c', 'nowhere')], 'add')).toThrow(/no collector/);
    expect(store.model.removeDevices(['b'])[0]).toMatchObject({
      collector: 'localhost',
      removed: ['b'],
    });
    expect(() => store.model.removeCollector('dc2')).toThrow(/still has 1 device/);
  });

  it('is all or nothing per change', () => {
    const { store } = memStore();
    store.model.putDevices([dev('x')], 'add');
    expect(() => store.model.putDevices([dev('y'), dev('x')], 'add')).toThrow();
    expect(store.model.getDevice('y')).toBeUndefined();
  });

  it('computes the pull diff: new, updated since, removed or moved away', () => {
    const { store, clock } = memStore();
    store.model.putCollector('dc2', {});
    store.model.putDevices([dev('keep'), dev('edit'), dev('gone'), dev('move')], 'add');
    clock.advance(1000);
    const first = store.model.deviceDiff('localhost', 0, []);
    expect(first.new.map((d) => d.id).sort()).toEqual(['edit', 'gone', 'keep', 'move']);
    const since = first.asOf;
    clock.advance(1000);
    store.model.putDevices([{ id: 'edit', patch: { address: '10.0.0.9' } }], 'edit');
    store.model.removeDevices(['gone']);
    store.model.putDevices([{ id: 'move', patch: { collector: 'dc2' } }], 'edit');
    store.model.putDevices([dev('fresh')], 'add');
    const diff = store.model.deviceDiff('localhost', since, ['keep', 'edit', 'gone', 'move']);
    expect(diff.new.map((d) => d.id)).toEqual(['fresh']);
    expect(diff.updated.map((d) => d.id)).toEqual(['edit']);
    expect(diff.removed.sort()).toEqual(['gone', 'move']);
    expect(diff.generation).toBe(store.model.getCollector('localhost')?.generation);
  });
});

describe('SqliteStore: events', () => {
  it('stores a batch exactly once and acknowledges the high-water mark', () => {
    const { store } = memStore();
    const r1 = store.events.ingestEvents('d1', [ev(1), ev(2, { eventKey: 'other' })], 1000);
    expect(r1).toMatchObject({ ack: 2, stored: 2, duplicates: 0 });
    const again = store.events.ingestEvents('d1', [ev(1), ev(2, { eventKey: 'other' })], 2000);
    expect(again).toMatchObject({ ack: 2, stored: 0, duplicates: 2 });
    expect(store.events.queryEvents({}).total).toBe(2);
    expect(store.events.queryEvents({}).events.every((e) => e.count === 1)).toBe(true);
    // Another daemon's sequence numbers are its own.
    expect(store.events.ingestEvents('d2', [ev(1)], 3000)).toMatchObject({ ack: 1, stored: 1 });
  });

  it('deduplicates by fingerprint and clears by device/component/class/key', () => {
    const { store } = memStore();
    store.events.ingestEvents('d1', [ev(1), ev(2), ev(3, { severity: 5 })], 1000);
    let open = store.events.queryEvents({ state: 'open' }).events;
    expect(open.map((e) => [e.severity, e.count])).toEqual([
      [5, 1],
      [4, 2],
    ]);
    const r = store.events.ingestEvents('d1', [ev(4, { severity: 0 })], 5000);
    expect(r.cleared).toBe(2);
    open = store.events.queryEvents({ state: 'open' }).events;
    expect(open).toEqual([]);
    // After a clear, the same fingerprint opens a new event.
    store.events.ingestEvents('d1', [ev(5)], 6000);
    expect(store.events.queryEvents({ state: 'open' }).events[0]).toMatchObject({
      count: 1,
      firstTime: 6000,
    });
  });

  it('acknowledges and closes events, refusing to reopen onto an active fingerprint', () => {
    const { store } = memStore();
    store.events.ingestEvents('d1', [ev(1)], 1000);
    const id = store.events.queryEvents({}).events[0]?.id as number;
    expect(store.events.setEventState([id], 'acknowledged', 'ops', 2000)).toBe(1);
    store.events.ingestEvents('d1', [ev(2)], 3000);
    expect(store.events.queryEvents({}).events[0]).toMatchObject({
      state: 'acknowledged',
      count: 2,
    });
    expect(store.events.setEventState([id], 'closed', 'ops', 4000)).toBe(1);
    store.events.ingestEvents('d1', [ev(3)], 5000);
    expect(() => store.events.setEventState([id], 'open', 'ops', 6000)).toThrow(
      /cannot be reopened/,
    );
    expect(() => store.events.setEventState([999], 'closed', 'ops', 6000)).toThrow(/no event 999/);
  });
});

describe('SqliteStore: metrics', () => {
  it('stores samples once, queries raw and in step buckets, and purges old ones in chunks', () => {
    const { store } = memStore();
    const samples = Array.from({ length: 100 }, (_, i) => ({
      seq: i + 1,
      device: 'r1',
      component: '',
      metric: 'cpu',
      value: i,
      timestamp: 1_000_000 + i * 1000,
    }));
    expect(store.metrics.ingestMetrics('d1', samples, 0)).toMatchObject({ ack: 100, stored: 100 });
    expect(store.metrics.ingestMetrics('d1', samples.slice(50), 0)).toMatchObject({
      ack: 100,
      stored: 0,
      duplicates: 50,
    });
    expect(store.metrics.countSamples()).toBe(100);
    const raw = store.metrics.queryMetrics({
      device: 'r1',
      metric: 'cpu',
      from: 1_000_000,
      to: 1_010_000,
    });
    expect(raw.map((p) => p.v)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const buckets = store.metrics.queryMetrics({
      device: 'r1',
      metric: 'cpu',
      from: 1_000_000,
      to: 1_100_000,
      step: 10_000,
    });
    expect(buckets).toHaveLength(10);
    expect(buckets[0]).toEqual({ t: 1_000_000, v: 4.5 });
    expect(store.metrics.purgeMetrics(1_050_000, 20)).toBe(20);
    expect(store.metrics.purgeMetrics(1_050_000, 1000)).toBe(30);
    expect(store.metrics.purgeMetrics(1_050_000, 1000)).toBe(0);
    expect(store.metrics.countSamples()).toBe(50);
    expect(store.metrics.listSeries('r1')).toEqual([{ component: '', metric: 'cpu' }]);
  });
});

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
