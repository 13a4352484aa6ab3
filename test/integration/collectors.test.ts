import { mkdtemp } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorDaemon, HttpCollector, PortCollector } from '../../daemons/index.js';
import { UserStore, type ZHub, type SqliteStore } from '../../hub/index.js';
import { buildHub } from '../../services/index.js';
import { runCli } from '../support/cli.js';

const USER = 'collector';
const PASSWORD = 'collector-password';

/** Polls (real time, 50 ms) until `cond` holds or `ms` passes. */
async function eventually(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const listen = (s: TcpServer | HttpServer, port = 0): Promise<number> =>
  new Promise((resolve) =>
    s.listen(port, '127.0.0.1', () => resolve((s.address() as { port: number }).port)),
  );

describe('port and http daemons against real local targets', () => {
  let hubData: string;
  let zhub: ZHub;
  let hubPort: number;
  let tcp: TcpServer;
  let tcpPort: number;
  let web: HttpServer;
  let webPort: number;
  const daemons: CollectorDaemon[] = [];

  async function startHub(port = 0): Promise<void> {
    const users = new UserStore();
    await users.set(USER, PASSWORD);
    zhub = await buildHub({ users, dataDir: hubData, dataLimits: { pushDelayMs: 50 } });
    const address = await zhub.app.listen({ port, host: '127.0.0.1' });
    hubPort = Number(new URL(address).port);
  }

  beforeAll(async () => {
    hubData = await mkdtemp(join(tmpdir(), 'zhub-hub-'));
    await startHub();
    tcp = createTcpServer((s) => s.end());
    tcpPort = await listen(tcp);
    web = createHttpServer((req, res) => {
      res.writeHead(req.url === '/health' ? 200 : 500, { 'content-type': 'text/plain' });
      res.end(req.url === '/health' ? 'OK zhub' : 'broken');
    });
    webPort = await listen(web);
    await zhub.hub.env.model.putDevices(
      [
        {
          id: 'svc',
          address: '127.0.0.1',
          datasources: [
            { name: 'tcp', type: 'port', interval: 1, params: { port: tcpPort }, datapoints: [] },
            {
              name: 'health',
              type: 'http',
              interval: 1,
              params: {
                url: `http://127.0.0.1:${webPort}/health`,
                expectStatus: 200,
                bodyPattern: 'OK',
              },
              datapoints: [],
            },
            {
              name: 'broken',
              type: 'http',
              interval: 1,
              params: { url: `http://127.0.0.1:${webPort}/broken`, expectStatus: 200 },
              datapoints: [],
            },
          ],
        },
      ],
      'add',
    );
    for (const collector of [new PortCollector(), new HttpCollector()]) {
      const d = new CollectorDaemon({
        url: `ws://127.0.0.1:${hubPort}/hub`,
        username: USER,
        password: PASSWORD,
        name: `${collector.type}-1`,
        dataDir: await mkdtemp(join(tmpdir(), `zhub-${collector.type}-`)),
        collectors: [collector],
        eventFlushMs: 100,
        sender: { batchSize: 50, flushIntervalMs: 100, retryMs: 200 },
        limits: {
          reconnectBaseMs: 100,
          reconnectMaxMs: 500,
          pingIntervalMs: 1_000,
          pingTimeoutMs: 1_000,
        },
        logger: pino({ level: 'silent' }),
      });
      daemons.push(d);
      await d.startCollecting();
    }
  });

  afterAll(async () => {
    for (const d of daemons) await d.stop();
    await zhub.close();
    tcp.close();
    web.close();
  });

  const store = () => zhub.hub.env.store as SqliteStore;
  const openEvents = () => store().events.queryEvents({ state: 'open' }).events;

  it('collects availability, connect and response times, and raises events for a failing URL', async () => {
    await eventually(() => {
      const series = store()
        .metrics.listSeries('svc')
        .map((s) => s.metric);
      return ['up', 'connectTime', 'status', 'responseTime'].every((m) => series.includes(m));
    });
    const up = store().metrics.queryMetrics({
      device: 'svc',
      component: `port ${tcpPort}`,
      metric: 'up',
      from: 0,
      to: Date.now() + 1,
    });
    expect(up.every((p) => p.v === 1)).toBe(true);
    await eventually(() => openEvents().some((e) => e.eventClass === '/Status/Web'));
    expect(openEvents().filter((e) => e.eventClass === '/Status/Web')).toHaveLength(1); // /health is fine
  });

  it('raises an event when the port stops answering and clears it when it answers again', async () => {
    await new Promise((r) => tcp.close(r));
    await eventually(() =>
      openEvents().some((e) => e.eventClass === '/Status/Port' && e.severity === 5),
    );
    tcp = createTcpServer((s) => s.end());
    await listen(tcp, tcpPort);
    await eventually(() => !openEvents().some((e) => e.eventClass === '/Status/Port'));
  });

  it('loses and duplicates nothing while the hub is down for a while', async () => {
    await zhub.close();
    await new Promise((r) => setTimeout(r, 2_500)); // the daemons keep collecting into their spools
    expect(daemons.some((d) => d.spool.depth() > 0)).toBe(true);
    await startHub(hubPort);
    await eventually(() => daemons.every((d) => d.ready));
    for (const d of daemons) d.flushEvents();
    await eventually(() => daemons.every((d) => d.spool.depth() === 0));
    // Collection goes on: stop it, deliver the rest, then compare.
    for (const d of daemons) d.scheduler.close();
    for (const d of daemons) expect(await d.drain(10_000)).toBe(true);
    const acked = daemons.map((d) => d.spool.lastAck('events'));
    const produced = daemons.reduce((n, d) => n + d.produced.samples, 0);
    expect(produced).toBeGreaterThan(0);
    expect(store().metrics.countSamples()).toBe(produced);
    daemons.forEach((d, i) =>
      expect(store().highWater(`${USER}:${d.name}`, 'events')).toBe(acked[i]),
    );
  });

  it('runs one device once from the command line and exits 0', async () => {
    const r = await runCli(
      [
        'daemon',
        'port',
        '--device',
        'svc',
        '--hub',
        `ws://127.0.0.1:${hubPort}/hub`,
        '--user',
        USER,
        '--data',
        await mkdtemp(join(tmpdir(), 'zhub-once-')),
        '--log-level',
        'warn',
      ],
      { env: { ZHUB_PASSWORD: PASSWORD } },
    );
    expect(r.stdout).toMatch(/device svc: collected and delivered/);
    expect(r.code).toBe(0);
  });
});
