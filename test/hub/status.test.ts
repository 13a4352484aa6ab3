import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectTestClient, startHub, TEST_PASSWORD, TEST_USER } from '../support/hub-fixture.js';
import type { SqliteStore } from '../../hub/index.js';

/** Parses the Prometheus text exposition format into `name{labels}` → value. */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not exposition format: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

const FIGURES = {
  spoolDepth: 12,
  spoolOldestAgeMs: 3000,
  tasks: 4,
  tasksRunning: 1,
  tasksQueued: 2,
  missedRuns: 1,
  generation: 9,
};

describe('health, readiness, metrics and status', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('answers /health and /ready, and turns unready while the store cannot commit', async () => {
    const hub = await startHub();
    cleanups.push(hub.close);
    const get = async (url: string) => {
      const r = await hub.zhub.app.inject({ method: 'GET', url });
      return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
    };
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get('/ready')).status).toBe(200);
    const store = hub.zhub.hub.env.store as SqliteStore;
    const group = store.group.bind(store);
    store.group = () => {
      throw new Error('disk I/O error');
    };
    await hub.zhub.hub.env.ingest.submit(() => 1).catch(() => undefined);
    expect(await get('/ready')).toMatchObject({
      status: 503,
      body: { ready: false, store: false },
    });
    store.group = group;
    // A commit in which every write failed (here: refused out of order) proves nothing about
    // the disk: the hub stays unready until a write commits.
    await hub.zhub.hub.env.ingest
      .submit(() => {
        throw new Error('out of order');
      })
      .catch(() => undefined);
    expect((await get('/ready')).status).toBe(503);
    await hub.zhub.hub.env.ingest.submit(() => 1);
    expect((await get('/ready')).status).toBe(200);
  });

  it('probes the disk with a real write for /ready (a read alone succeeds on a full disk)', async () => {
    const hub = await startHub({ dataDir: await mkdtemp(join(tmpdir(), 'zhub-ready-')) });
    cleanups.push(hub.close);
    const store = hub.zhub.hub.env.store as SqliteStore;
    expect(store.healthy()).toBe(true);
    expect(store.healthy()).toBe(true);
    expect(store.probes).toBe(2);
  });

  it('exposes Prometheus metrics that a parser reads: calls by service, method and outcome, daemons, process', async () => {
    const hub = await startHub();
    cleanups.push(hub.close);
    const c = await connectTestClient(hub.url, { name: 'metrics-daemon' });
    cleanups.push(() => c.close());
    const add = await c.getService('AddService');
    for (let i = 0; i < 7; i++) await add.callRemote('add', i, 1);
    await add.callRemote('add', 'x', 1).catch(() => undefined);
    const r = await hub.zhub.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    const m = parseExposition(r.body);
    expect(m.get('zhub_rpc_calls_total{service="AddService",method="add",outcome="ok"}')).toBe(7);
    expect(m.get('zhub_rpc_calls_total{service="AddService",method="add",outcome="error"}')).toBe(
      1,
    );
    expect(m.get('zhub_rpc_duration_seconds_count{service="AddService",method="add"}')).toBe(8);
    expect(m.get('zhub_daemons_connected')).toBe(1);
    expect(m.get('zhub_rpc_calls_total{service="LoginRoot",method="login",outcome="ok"}')).toBe(1);
    expect(m.get('zhub_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect([...m.keys()].some((k) => k.startsWith('zhub_nodejs_eventloop_lag'))).toBe(true);
  });

  it('answers /api/status with the daemons and per-method figures, for authenticated operators only', async () => {
    const hub = await startHub();
    cleanups.push(hub.close);
    const c = await connectTestClient(hub.url, { name: 'status-daemon', type: 'port' });
    cleanups.push(() => c.close());
    await (await c.getService('AddService')).callRemote('add', 1, 2);
    expect((await hub.zhub.app.inject({ method: 'GET', url: '/api/status' })).statusCode).toBe(401);
    const r = await hub.zhub.app.inject({
      method: 'GET',
      url: '/api/status',
      headers: {
        authorization: `Basic ${Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64')}`,
      },
    });
    const body = JSON.parse(r.body) as {
      daemons: { daemon: string; type: string }[];
      methods: { service: string; method: string; calls: number }[];
    };
    expect(body.daemons).toEqual([
      expect.objectContaining({ daemon: 'status-daemon', type: 'port' }),
    ]);
    expect(body.methods.find((x) => x.service === 'AddService')).toMatchObject({
      method: 'add',
      calls: 1,
    });
  });

  it('keeps recently gone daemons in the status, with when they left and what they last reported', async () => {
    const hub = await startHub();
    cleanups.push(hub.close);
    const c = await connectTestClient(hub.url, {
      name: 'leaving-daemon',
      type: 'http',
      monitor: 'localhost',
    });
    const events = await c.getService('EventService');
    await events.callRemote('sendHeartbeat', 60, { ...FIGURES, bogus: 'x' });
    c.close();
    const auth = {
      authorization: `Basic ${Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64')}`,
    };
    let body: { daemonsConnected: number; daemons: Record<string, unknown>[] } = {
      daemonsConnected: -1,
      daemons: [],
    };
    for (let i = 0; i < 100 && body.daemonsConnected !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      body = JSON.parse(
        (await hub.zhub.app.inject({ method: 'GET', url: '/api/status', headers: auth })).body,
      ) as typeof body;
    }
    expect(body.daemons[0]).toMatchObject({
      daemon: 'leaving-daemon',
      type: 'http',
      monitor: 'localhost',
      connected: false,
      leftAt: expect.any(Number),
      figures: FIGURES,
    });
    expect((body.daemons[0]?.figures as Record<string, unknown>).bogus).toBeUndefined();
    // Its calls served (the heartbeat and getService) are kept; its connection is not.
    expect(body.daemons[0]?.callsServed).toBeGreaterThanOrEqual(2);
    const [kept] = [...hub.zhub.hub.fleet.departed.values()];
    expect(kept?.record).not.toHaveProperty('broker');
  });
});
