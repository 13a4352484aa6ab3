// Services asked for with the login (`login(user, secret, { services })`): the hub answers
// their references with the avatar, a round trip saved on every (re)connect of a daemon.
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { HubClient } from '../../daemons/index.js';
import {
  type Broker,
  LOGIN_SERVICES_MAX,
  Op,
  PROTOCOL_VERSION,
  RemoteReference,
  type ZHubError,
} from '../../shared/index.js';
import { rawConnect, TEST_PASSWORD, TEST_USER, startHub } from '../support/hub-fixture.js';

function client(url: string): HubClient {
  return new HubClient({
    url,
    username: TEST_USER,
    password: TEST_PASSWORD,
    name: 'prefetcher',
    limits: { reconnectBaseMs: 50, reconnectMaxMs: 200 },
  });
}

describe('services asked for with the login', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('answers each as getService would, null where getService would fail', async () => {
    const hub = await startHub();
    stop = hub.close;
    const b = await rawConnect(hub.url);
    const answer = await b.remoteRoot().callRemote<{
      avatar: RemoteReference;
      services: (RemoteReference | null)[];
    }>('login', TEST_USER, TEST_PASSWORD, {
      name: 'd1',
      services: [
        ['AddService', 'localhost'],
        ['NoSuchService', 'localhost'],
        ['AddService'], // no monitor: refused by getService's own check
        ['AddService', 'localhost', 'not a listener'],
      ],
    });
    expect(answer.avatar).toBeInstanceOf(RemoteReference);
    expect(await answer.avatar.callRemote('ping')).toBe('pong');
    const [add, ...refused] = answer.services;
    expect(add).toBeInstanceOf(RemoteReference);
    expect(await (add as RemoteReference).callRemote('add', 1, 2)).toBe(3);
    expect(refused).toEqual([null, null, null]);
    // What getService says about them, the daemon hears by asking.
    await expect(
      answer.avatar.callRemote('getService', 'NoSuchService', 'localhost'),
    ).rejects.toMatchObject({ code: 'HUB_ERR_NO_SUCH_SERVICE' });
    b.close();
  });

  it('refuses a services list that is not one, or too long, and logs nobody in', async () => {
    const hub = await startHub();
    stop = hub.close;
    const b = await rawConnect(hub.url);
    const tooMany = Array.from({ length: LOGIN_SERVICES_MAX + 1 }, () => [
      'AddService',
      'localhost',
    ]);
    for (const services of ['AddService', [['AddService', 'localhost'], 'x'], tooMany]) {
      await expect(
        b.remoteRoot().callRemote('login', TEST_USER, TEST_PASSWORD, { services }),
      ).rejects.toMatchObject({
        code: 'HUB_ERR_BAD_ARGUMENT',
        data: { field: 'info.services' },
      });
    }
    // Still not logged in: a plain login works.
    expect(await b.remoteRoot().callRemote('login', TEST_USER, TEST_PASSWORD)).toBeInstanceOf(
      RemoteReference,
    );
    b.close();
  });

  it('a client sends its services with the login: one call, one frame, on every connect', async () => {
    const hub = await startHub();
    stop = hub.close;
    const c = client(hub.url);
    try {
      c.start();
      // Asked for before the connection is up.
      const got = Promise.all([c.getService('AddService'), c.getService('EventService')]);
      await c.whenConnected(10_000);
      const [add] = await got;
      const first = c.connection as Broker;
      // The login (its hello in the same frame), then the resumption ticket a password login
      // asks for in the background: no getService.
      expect(first.stats.callsSent).toBe(2);
      expect(first.stats.framesOut).toBe(2);
      // The hub's hello came with the login's answer, in one frame.
      expect(first.stats.framesIn).toBe(1);
      expect(await add.callRemote('add', 2, 3)).toBe(5);

      // A reconnect: the proxies held travel with the new login.
      const reconnected = new Promise<void>((r) => c.once('connect', () => r()));
      first.close();
      await reconnected;
      const second = c.connection as Broker;
      expect(second).not.toBe(first);
      expect(second.stats.callsSent).toBe(2);
      expect(await add.callRemote('add', 4, 5)).toBe(9);
    } finally {
      c.close();
    }
  });

  it("the hub's hello waits for the peer's: alone at once, or with the first answer", async () => {
    const hub = await startHub();
    stop = hub.close;
    const frames = (ws: WebSocket, n: number): Promise<unknown[][][]> =>
      new Promise((resolve) => {
        const got: unknown[][][] = [];
        ws.on('message', (d) => {
          got.push(JSON.parse((d as Buffer).toString()) as unknown[][]);
          if (got.length === n) resolve(got);
        });
      });
    // A peer that calls with its hello: one frame back, the hello first.
    const a = new WebSocket(hub.url);
    await new Promise((r) => a.once('open', r));
    const one = frames(a, 1);
    a.send(
      JSON.stringify([
        [Op.HELLO, PROTOCOL_VERSION, {}],
        [Op.CALL, 1, 0, 'login', ['nobody', 'wrong']],
      ]),
    );
    const [frame] = await one;
    expect(frame?.map((m) => m[0])).toEqual([Op.HELLO, Op.ERROR]); // the login refused
    a.close();
    // A peer that waits for the hub's hello before it calls: the hello comes on its own.
    const b = new WebSocket(hub.url);
    await new Promise((r) => b.once('open', r));
    const hello = frames(b, 1);
    b.send(JSON.stringify([[Op.HELLO, PROTOCOL_VERSION, {}]]));
    expect((await hello)[0]).toEqual([[Op.HELLO, PROTOCOL_VERSION, {}]]);
    b.close();
  });

  it('a service the hub does not serve fails its own getService, not the connection', async () => {
    const hub = await startHub();
    stop = hub.close;
    const c = client(hub.url);
    try {
      c.start();
      const missing = c.getService('NoSuchService');
      const add = c.getService('AddService');
      await expect(missing).rejects.toMatchObject({
        code: 'HUB_ERR_NO_SUCH_SERVICE',
      } satisfies Partial<ZHubError>);
      expect(await (await add).callRemote('add', 1, 1)).toBe(2);
      // Forgotten: a reconnect does not ask for it again, and succeeds.
      const reconnected = new Promise<void>((r) => c.once('connect', () => r()));
      (c.connection as Broker).close();
      await reconnected;
      expect(c.state).toBe('connected');
      expect(await (await add).callRemote('add', 2, 2)).toBe(4);
    } finally {
      c.close();
    }
  });
});
