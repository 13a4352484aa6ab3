import { afterEach, describe, expect, it } from 'vitest';
import { UserStore, type ZHub, type SqliteStore } from '../../hub/index.js';
import { buildHub } from '../../services/index.js';

const USER = 'ops';
const PASSWORD = 'ops-password-123';
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const AUTH = { authorization: basic(USER, PASSWORD) };

describe('HTTP API', () => {
  let zhub: ZHub | undefined;
  afterEach(async () => {
    await zhub?.close();
    zhub = undefined;
  });

  async function setup(limits = {}) {
    const users = new UserStore();
    await users.set(USER, PASSWORD);
    zhub = await buildHub({ users, limits });
    const app = zhub.app;
    const call = async (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
      headers: Record<string, string> = AUTH,
    ) => {
      const r = await app.inject({
        method,
        url,
        headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return {
        status: r.statusCode,
        body: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : undefined,
      };
    };
    return { call, hub: zhub };
  }

  it('requires the hub credentials, with one answer for unknown users and wrong passwords', async () => {
    const { call } = await setup();
    expect((await call('GET', '/api/devices', undefined, {})).status).toBe(401);
    const wrong = await call('GET', '/api/devices', undefined, {
      authorization: basic(USER, 'nope'),
    });
    const unknown = await call('GET', '/api/devices', undefined, {
      authorization: basic('who', PASSWORD),
    });
    expect(wrong).toEqual(unknown);
    expect(wrong.status).toBe(401);
    expect((await call('GET', '/api/devices')).status).toBe(200);
  });

  it('rate-limits failed API logins', async () => {
    const { call } = await setup({ maxLoginFailures: 2 });
    await call('GET', '/api/devices', undefined, { authorization: basic(USER, 'x1') });
    await call('GET', '/api/devices', undefined, { authorization: basic(USER, 'x2') });
    const r = await call('GET', '/api/devices', undefined, {
      authorization: basic(USER, PASSWORD),
    });
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ error: { code: 'HUB_ERR_RATE_LIMITED' } });
  });

  it('manages collectors and devices, naming bad fields in a 400', async () => {
    const { call } = await setup();
    expect(
      (await call('POST', '/api/collectors', { name: 'dc2', properties: { cycleInterval: 60 } }))
        .status,
    ).toBe(201);
    const bad = await call('POST', '/api/devices', {
      id: 'r1',
      address: '',
      datasources: [{ name: 'p', type: 'port', interval: -1 }],
    });
    expect(bad.status).toBe(400);
    const message = (bad.body?.error as { message: string }).message;
    expect(message).toMatch(/address/);
    expect(message).toMatch(/datasources\.0\.interval/);
    const added = await call('POST', '/api/devices', {
      id: 'r1',
      address: '192.0.2.1',
      datasources: [
        {
          name: 'ssh',
          type: 'port',
          params: { port: 22 },
          datapoints: [{ name: 'up', threshold: { min: 1, severity: 5 } }],
        },
      ],
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 'r1', title: 'r1', collector: 'localhost' });
    expect((await call('POST', '/api/devices', { id: 'r1', address: 'x' })).status).toBe(409);
    expect((await call('PATCH', '/api/devices/r1', { collector: 'dc2' })).body).toMatchObject({
      collector: 'dc2',
    });
    expect((await call('PATCH', '/api/devices/nope', { title: 'x' })).status).toBe(404);
    expect((await call('DELETE', '/api/collectors/dc2')).status).toBe(409);
    expect((await call('GET', '/api/devices?collector=dc2')).body).toMatchObject({ total: 1 });
    expect((await call('GET', '/api/devices?limit=0')).status).toBe(400);
    expect((await call('DELETE', '/api/devices/r1')).status).toBe(204);
    expect((await call('GET', '/api/devices/r1')).status).toBe(404);
    expect((await call('DELETE', '/api/collectors/dc2')).status).toBe(204);
  });

  it('imports thousands of devices all or nothing', async () => {
    const { call } = await setup();
    const devices = Array.from({ length: 3000 }, (_, i) => ({
      id: `dev-${i}`,
      address: `10.1.${i >> 8}.${i & 255}`,
    }));
    expect((await call('POST', '/api/devices/import', devices)).body).toEqual({ imported: 3000 });
    const broken = [
      ...devices.slice(0, 10).map((d) => ({ ...d, id: `${d.id}-new` })),
      { id: 'bad id!', address: 'x' },
    ];
    const r = await call('POST', '/api/devices/import', broken);
    expect(r.status).toBe(400);
    expect((r.body?.error as { message: string }).message).toMatch(/\[10\]\.id/);
    expect((await call('GET', '/api/devices?search=-new')).body).toMatchObject({ total: 0 });
    expect((await call('GET', '/api/devices')).body).toMatchObject({ total: 3000 });
  });

  it('queries, acknowledges and closes events', async () => {
    const { call, hub } = await setup();
    const store = hub.hub.env.store as SqliteStore;
    const base = {
      count: 1,
      component: '',
      eventClass: '/App',
      eventKey: '',
      message: '',
      time: undefined,
      fields: undefined,
    };
    store.events.ingestEvents(
      'd',
      [
        { ...base, seq: 1, device: 'a', severity: 5, summary: 'critical' },
        { ...base, seq: 2, device: 'b', severity: 2, summary: 'info' },
      ],
      Date.now(),
    );
    const all = await call('GET', '/api/events?state=open');
    expect(all.body).toMatchObject({ total: 2 });
    const severe = await call('GET', '/api/events?state=open&severity>=4');
    expect((severe.body?.events as { device: string }[]).map((e) => e.device)).toEqual(['a']);
    expect((await call('GET', '/api/events?minSeverity=9')).status).toBe(400);
    const id = (severe.body?.events as { id: number }[])[0]?.id as number;
    expect((await call('POST', '/api/events/acknowledge', { ids: [id] })).body).toEqual({
      changed: 1,
    });
    expect((await call('POST', '/api/events/close', { ids: [id] })).body).toEqual({ changed: 1 });
    const closed = await call('GET', '/api/events?state=closed');
    expect(closed.body).toMatchObject({ total: 1, events: [{ closedBy: USER }] });
    expect((await call('POST', '/api/events/close', { ids: [] })).status).toBe(400);
    expect((await call('POST', '/api/events/close', { ids: [99999] })).status).toBe(404);
  });

  it('answers metric queries with points averaged into steps', async () => {
    const { call, hub } = await setup();
    const t0 = 1_700_000_010_000; // a multiple of the step: buckets align to the epoch
    (hub.hub.env.store as SqliteStore).metrics.ingestMetrics(
      'd',
      Array.from({ length: 60 }, (_, i) => ({
        seq: i + 1,
        device: 'h',
        component: '',
        metric: 'load',
        value: i,
        timestamp: t0 + i * 1000,
      })),
      t0,
    );
    const raw = await call('GET', `/api/metrics?device=h&metric=load&from=${t0}&to=${t0 + 60_000}`);
    expect((raw.body?.points as unknown[]).length).toBe(60);
    const stepped = await call(
      'GET',
      `/api/metrics?device=h&metric=load&from=${t0}&to=${t0 + 60_000}&step=30000`,
    );
    expect(stepped.body?.points).toEqual([
      { t: t0, v: 14.5 },
      { t: t0 + 30_000, v: 44.5 },
    ]);
    expect((await call('GET', '/api/metrics?metric=load')).status).toBe(400);
    expect((await call('GET', '/api/metrics/series?device=h')).body).toEqual({
      series: [{ component: '', metric: 'load' }],
    });
  });

  it('answers malformed JSON with a 400, not a crash', async () => {
    const { hub } = await setup();
    const r = await hub.app.inject({
      method: 'POST',
      url: '/api/devices',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '{"id":',
    });
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'HUB_ERR_BAD_ARGUMENT' } });
  });
});
