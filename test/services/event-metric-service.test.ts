import { afterEach, describe, expect, it } from 'vitest';
import type { HubClient } from '../../daemons/index.js';
import { memoryHub } from '../support/memory-hub.js';
import type { SqliteStore } from '../../hub/index.js';

const event = (seq: number, over: Record<string, unknown> = {}) => ({
  seq,
  device: 'router-1',
  component: 'eth0',
  eventClass: '/Net/Link',
  eventKey: 'link',
  severity: 4,
  summary: 'link down',
  ...over,
});

describe('EventService and MetricService', () => {
  const clients: HubClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  async function setup() {
    const env = await memoryHub();
    const client = async (name: string) => {
      const c = await env.connected({ name, limits: { pingIntervalMs: 86_400_000 } });
      clients.push(c);
      return {
        events: await c.getService('EventService'),
        metrics: await c.getService('MetricService'),
        client: c,
      };
    };
    return { env, store: env.hub.env.store as SqliteStore, client };
  }

  it('stores an event batch once even when it is sent again after a lost answer', async () => {
    const { store, client } = await setup();
    const { events } = await client('port-1');
    const batch = [event(1), event(2, { eventKey: 'other' })];
    expect(await events.callRemote('sendEvents', batch)).toMatchObject({
      ack: 2,
      stored: 2,
      duplicates: 0,
      rejected: [],
    });
    expect(await events.callRemote('sendEvents', batch)).toMatchObject({
      ack: 2,
      stored: 0,
      duplicates: 2,
    });
    expect(store.events.queryEvents({}).total).toBe(2);
  });

  it('deduplicates into counts, and a clear closes the open events', async () => {
    const { store, client } = await setup();
    const { events } = await client('port-1');
    await events.callRemote('sendEvents', [event(1), event(2), event(3)]);
    expect(store.events.queryEvents({ state: 'open' }).events[0]).toMatchObject({
      count: 3,
      severity: 4,
    });
    const r = await events.callRemote<{ cleared: number }>('sendEvents', [
      event(4, { severity: 0, summary: 'link up' }),
    ]);
    expect(r.cleared).toBe(1);
    expect(store.events.queryEvents({ state: 'open' }).total).toBe(0);
  });

  it('takes the daemon identity from the session: another daemon cannot touch its marks', async () => {
    const { store, client } = await setup();
    const a = await client('daemon-a');
    const b = await client('daemon-b');
    await a.events.callRemote('sendEvents', [event(1), event(2, { eventKey: 'k2' })]);
    // b claims to be a in the payload, and reuses a's sequence numbers: b's own marks apply.
    const r = await b.events.callRemote<{ stored: number }>('sendEvents', [
      event(1, { daemon: 'daemon-a', eventKey: 'k3' }),
    ]);
    expect(r.stored).toBe(1);
    expect(store.highWater('daemon:daemon-a', 'events')).toBe(2);
    expect(store.highWater('daemon:daemon-b', 'events')).toBe(1);
    const stored = store.events.queryEvents({}).events.find((e) => e.eventKey === 'k3');
    expect(stored?.daemon).toBe('daemon:daemon-b');
    expect(stored?.fields).toEqual({ daemon: 'daemon-a' }); // kept as a free field, nothing more
  });

  it('refuses malformed items but acknowledges them, so one bad item cannot wedge a spool', async () => {
    const { store, client } = await setup();
    const { events } = await client('port-1');
    const r = await events.callRemote<{
      ack: number;
      stored: number;
      rejected: { seq: number; reason: string }[];
    }>('sendEvents', [event(1), event(2, { severity: 9 }), event(3, { summary: 42 })]);
    expect(r.ack).toBe(3);
    expect(r.stored).toBe(1);
    expect(r.rejected.map((x) => x.seq)).toEqual([2, 3]);
    expect(r.rejected[0]?.reason).toMatch(/severity/);
    const stored = store.events.queryEvents({}).events;
    // One stored item, and one event per refusal reason raised by the hub about the daemon.
    expect(stored.filter((e) => e.eventClass !== '/App/Zhub/Refused')).toHaveLength(1);
    expect(stored.filter((e) => e.eventClass === '/App/Zhub/Refused')).toHaveLength(2);
    await expect(events.callRemote('sendEvents', { not: 'an array' })).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
  });

  it('raises a heartbeat-missing event when a heartbeat is overdue and clears it when it returns', async () => {
    const { env, store, client } = await setup();
    const { events } = await client('host-7');
    expect(await events.callRemote('sendHeartbeat', 60)).toBe(true);
    env.clock.advance(59_000);
    expect(store.events.queryEvents({ state: 'open' }).total).toBe(0);
    env.clock.advance(2_000);
    const open = store.events.queryEvents({ state: 'open' }).events;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      device: 'host-7',
      eventClass: '/Status/Heartbeat',
      severity: 4,
    });
    await events.callRemote('sendHeartbeat', 60);
    expect(store.events.queryEvents({ state: 'open' }).total).toBe(0);
    await expect(events.callRemote('sendHeartbeat', -5)).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
  });

  it('refuses a pipelined batch whose predecessor is not stored, and reports delivery marks', async () => {
    const { store, client } = await setup();
    const { metrics, events } = await client('host-9');
    const sample = (seq: number) => ({
      seq,
      device: 'h',
      metric: 'm',
      value: seq,
      timestamp: 1000 + seq,
    });
    expect(
      await metrics.callRemote('writeMetrics', [sample(1), sample(2)], { after: 0 }),
    ).toMatchObject({ ack: 2 });
    // Batch 2 (seq 3-4) failed somewhere; batch 3 (seq 5-6) follows it and must not overtake it.
    await expect(
      metrics.callRemote('writeMetrics', [sample(5), sample(6)], { after: 4 }),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_OUT_OF_ORDER',
      retryable: true,
      data: { mark: 2, after: 4 },
    });
    expect(store.metrics.countSamples()).toBe(2);
    expect(
      await metrics.callRemote('writeMetrics', [sample(3), sample(4)], { after: 2 }),
    ).toMatchObject({ ack: 4 });
    expect(
      await metrics.callRemote('writeMetrics', [sample(5), sample(6)], { after: 4 }),
    ).toMatchObject({ ack: 6 });
    expect(await events.callRemote('getDeliveryMarks')).toEqual({ events: 0, metrics: 6 });
    await expect(
      metrics.callRemote('writeMetrics', [sample(7)], { after: -1 }),
    ).rejects.toMatchObject({ code: 'HUB_ERR_BAD_ARGUMENT' });
  });

  it('writes metric samples exactly once', async () => {
    const { env, store, client } = await setup();
    const { metrics } = await client('host-7');
    const now = env.clock.now();
    const batch = Array.from({ length: 50 }, (_, i) => ({
      seq: i + 1,
      device: 'h',
      metric: 'load',
      value: i,
      timestamp: now - 50_000 + i * 1000,
    }));
    expect(await metrics.callRemote('writeMetrics', batch)).toMatchObject({ ack: 50, stored: 50 });
    expect(await metrics.callRemote('writeMetrics', batch.slice(40))).toMatchObject({
      ack: 50,
      stored: 0,
      duplicates: 10,
    });
    expect(store.metrics.countSamples()).toBe(50);
    const bad = await metrics.callRemote<{ rejected: unknown[] }>('writeMetrics', [
      { seq: 51, device: 'h', metric: 'load', value: 'NaN', timestamp: now },
    ]);
    expect(bad.rejected).toHaveLength(1);
  });

  it('reports a store that cannot commit as retryable HUB_ERR_STORE, acknowledging nothing', async () => {
    const { store, client } = await setup();
    const { metrics } = await client('host-7');
    const original = store.metrics.ingestMetrics.bind(store.metrics);
    store.metrics.ingestMetrics = () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    };
    await expect(
      metrics.callRemote('writeMetrics', [
        { seq: 1, device: 'h', metric: 'm', value: 1, timestamp: 1 },
      ]),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_STORE',
      retryable: true,
    });
    store.metrics.ingestMetrics = original;
    expect(store.highWater('daemon:host-7', 'metrics')).toBe(0);
  });
});
