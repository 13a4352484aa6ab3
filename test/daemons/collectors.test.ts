import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HostCollector,
  HttpCollector,
  PortCollector,
  type CollectContext,
  type DatasourceConfig,
} from '../../daemons/index.js';

const ctx = (
  datasource: Partial<DatasourceConfig>,
  signal = new AbortController().signal,
): CollectContext => ({
  device: {
    id: 'dev',
    title: 'dev',
    address: '127.0.0.1',
    collector: 'localhost',
    properties: {},
    datasources: [],
  },
  datasource: { name: 'ds', type: 'x', params: {}, datapoints: [], ...datasource },
  signal,
  log: pino({ level: 'silent' }),
});

describe('built-in collectors', () => {
  let web: Server;
  let port = 0;
  beforeAll(async () => {
    web = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(req.url === '/ok' ? 200 : 503);
      res.end(req.url === '/ok' ? 'all good' : 'down');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    port = (web.address() as { port: number }).port;
  });
  afterAll(() => {
    web.closeAllConnections();
    web.close();
  });

  it('host: reports load, memory, disk per mount, and network counters', async () => {
    const host = new HostCollector();
    await host.collect(ctx({ type: 'host' }));
    // CPU utilisation is a difference of the kernel's counters (10 ms ticks): let some pass.
    const until = Date.now() + 50;
    while (Date.now() < until) Math.sqrt(Math.random());
    const r = await host.collect(ctx({ type: 'host' }));
    const names = new Set(r.values.map((v) => v.datapoint));
    for (const n of ['cpu', 'load1', 'load5', 'load15', 'memUsed', 'memFree', 'diskUsed'])
      expect(names).toContain(n);
    const mem = r.values.find((v) => v.datapoint === 'memUsed')?.value as number;
    expect(mem).toBeGreaterThan(0);
    expect(mem).toBeLessThanOrEqual(100);
    expect(r.values.find((v) => v.datapoint === 'diskUsed')?.component).toMatch(/^\//);
  });

  it('port: up with a connect time when it answers, down with an event when it does not', async () => {
    const p = new PortCollector();
    const up = await p.collect(ctx({ type: 'port', params: { port } }));
    expect(up.values.find((v) => v.datapoint === 'up')?.value).toBe(1);
    expect(up.events?.[0]?.severity).toBe(0);
    const closed = await p.collect(ctx({ type: 'port', params: { port: 1 } }));
    expect(closed.values).toEqual([{ datapoint: 'up', value: 0, component: 'port 1' }]);
    expect(closed.events?.[0]).toMatchObject({ severity: 5, eventClass: '/Status/Port' });
    await expect(p.collect(ctx({ type: 'port', params: { port: 'ssh' } }))).rejects.toThrow(
      /port number/,
    );
  });

  it('http: status and response time, events for an unexpected status, body or a timeout', async () => {
    const h = new HttpCollector();
    const ok = await h.collect(
      ctx({
        type: 'http',
        params: { url: `http://127.0.0.1:${port}/ok`, expectStatus: 200, bodyPattern: 'good' },
      }),
    );
    expect(ok.values.find((v) => v.datapoint === 'status')?.value).toBe(200);
    expect(ok.events?.[0]?.severity).toBe(0);
    const bad = await h.collect(
      ctx({ type: 'http', params: { url: `http://127.0.0.1:${port}/down`, expectStatus: 200 } }),
    );
    expect(bad.events?.[0]).toMatchObject({
      severity: 4,
      summary: expect.stringMatching(/status 503, expected 200/),
    });
    const body = await h.collect(
      ctx({ type: 'http', params: { url: `http://127.0.0.1:${port}/ok`, bodyPattern: '^nope' } }),
    );
    expect(body.events?.[0]?.summary).toMatch(/does not match/);
    const abort = new AbortController();
    const slow = h.collect(
      ctx({ type: 'http', params: { url: `http://127.0.0.1:${port}/slow` } }, abort.signal),
    );
    abort.abort();
    expect((await slow).events?.[0]?.summary).toMatch(/timed out/);
  });
});
