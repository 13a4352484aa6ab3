import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { HubService } from '../../hub/index.js';
import type { HubClient } from '../../daemons/index.js';
import { Referenceable } from '../../shared/index.js';
import { connectTestClient, startHub } from '../support/hub-fixture.js';

class Updates extends Referenceable {
  got: unknown[] = [];
  remote_update(v: unknown): string {
    this.got.push(v);
    return 'applied';
  }
}

describe('hub services over real sockets', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(opts: Parameters<typeof startHub>[0] = {}) {
    const hub = await startHub({ servicesDirs: ['test/fixtures/services'], ...opts });
    cleanups.push(hub.close);
    const client = async (extra = {}): Promise<HubClient> => {
      const c = await connectTestClient(hub.url, extra);
      cleanups.push(() => c.close());
      return c;
    };
    return { hub, client };
  }

  it('serves the built-in AddService and services loaded from a folder', async () => {
    const { client } = await setup();
    const c = await client();
    const add = await c.getService('AddService');
    expect(await add.callRemote('add', 2, 3)).toBe(5);
    await expect(add.callRemote('add', '2', 3)).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
    const echo = await c.getService('EchoService');
    expect(await echo.callRemote('echo', { a: [1, 'b'] })).toEqual({ a: [1, 'b'] });
    expect(await c.hub?.callRemote('listServices')).toEqual([
      'AddService',
      'ConfigService',
      'EchoService',
      'EventService',
      'MetricService',
    ]);
  });

  it('registers services programmatically', async () => {
    class Greeter extends HubService {
      remote_greet(name: string): string {
        return `hello ${name} from ${this.monitor}`;
      }
    }
    const { hub, client } = await setup();
    hub.zhub.registerService(Greeter);
    const c = await client();
    expect(await (await c.getService('Greeter')).callRemote('greet', 'ops')).toBe(
      'hello ops from localhost',
    );
  });

  it('gives distinct, clear errors for an unknown service and an unknown monitor', async () => {
    const { client } = await setup();
    const c = await client();
    await expect(
      c.hub?.callRemote('getService', 'NoSuchService', 'localhost'),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_NO_SUCH_SERVICE',
    });
    await expect(c.hub?.callRemote('getService', 'AddService', 'nowhere')).rejects.toMatchObject({
      code: 'HUB_ERR_NO_SUCH_MONITOR',
    });
    await expect(c.hub?.callRemote('getService', 42, 'localhost')).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
    await expect(c.getService('NoSuchService')).rejects.toMatchObject({
      code: 'HUB_ERR_NO_SUCH_SERVICE',
    });
    expect(await c.hub?.callRemote('ping')).toBe('pong');
  });

  it('keeps one instance per (monitor, service)', async () => {
    const { client } = await setup();
    const a = await client({ monitor: 'localhost' });
    const b = await client({ monitor: 'localhost' });
    const ia = await (await a.getService('EchoService')).callRemote<{ serial: number }>('instance');
    const ib = await (await b.getService('EchoService')).callRemote<{ serial: number }>('instance');
    expect(ia.serial).toBe(ib.serial);
  });

  it('keeps separate instances for separate monitors', async () => {
    const { StaticMonitors } = await import('../../hub/index.js');
    const { client } = await setup({ monitors: new StaticMonitors(['localhost', 'remote-dc']) });
    const a = await client({ monitor: 'localhost' });
    const b = await client({ monitor: 'remote-dc' });
    const ia = await (
      await a.getService('EchoService')
    ).callRemote<{ serial: number; monitor: string }>('instance');
    const ib = await (
      await b.getService('EchoService')
    ).callRemote<{ serial: number; monitor: string }>('instance');
    expect(ia.serial).not.toBe(ib.serial);
    expect([ia.monitor, ib.monitor]).toEqual(['localhost', 'remote-dc']);
  });

  it('takes the caller identity from the session, never from arguments', async () => {
    const { client } = await setup();
    const c = await client({ name: 'port-collector-7' });
    expect(
      await (
        await c.getService('EchoService')
      ).callRemote('whoCalls', { user: 'root', daemon: 'spoofed' }),
    ).toBe('tester/port-collector-7');
  });

  it('pushes to listeners, and drops a listener when its connection goes', async () => {
    const { client } = await setup();
    const listenerA = new Updates();
    const listenerB = new Updates();
    const a = await client({ name: 'a' });
    const b = await client({ name: 'b' });
    const svcA = await a.getService('EchoService', { listener: listenerA });
    await b.getService('EchoService', { listener: listenerB });
    expect(await svcA.callRemote('listenerCount')).toBe(2);
    expect(await svcA.callRemote('broadcast', { generation: 1 })).toBe(2);
    expect(listenerA.got).toEqual([{ generation: 1 }]);
    expect(listenerB.got).toEqual([{ generation: 1 }]);
    b.close();
    // The hub sees the close and removes b's listener.
    for (let i = 0; i < 100 && (await svcA.callRemote('listenerCount')) !== 1; i++)
      await new Promise((r) => setImmediate(r));
    expect(await svcA.callRemote('listenerCount')).toBe(1);
    expect(await svcA.callRemote('broadcast', { generation: 2 })).toBe(1);
  });

  it('refuses a services folder whose module exports no service', async () => {
    await expect(startHub({ servicesDirs: ['test/fixtures/bad-services'] })).rejects.toMatchObject({
      code: 'HUB_ERR_SERVICE_LOAD',
    });
    await expect(startHub({ servicesDirs: ['test/fixtures/no-such-dir'] })).rejects.toMatchObject({
      code: 'HUB_ERR_SERVICE_LOAD',
    });
  });

  it('refuses to register something that is not a HubService', async () => {
    const { hub } = await setup();
    expect(() => hub.zhub.registerService(class NotAService {} as never)).toThrow(
      /not a HubService/,
    );
  });

  it('tells daemons when it shuts down', async () => {
    const hub = await startHub();
    const c = await connectTestClient(hub.url);
    cleanups.push(() => c.close());
    const disconnected = once(c, 'disconnect');
    await hub.close();
    const [info] = (await disconnected) as [{ error?: { code: string } }];
    expect(info.error?.code).toBe('HUB_ERR_SHUTTING_DOWN');
  });
});

describe('hub shutdown', () => {
  it('lets a call in flight finish and answer before telling daemons it is going', async () => {
    class Slow extends HubService {
      async remote_slow(): Promise<string> {
        await new Promise((r) => setTimeout(r, 300));
        return 'finished';
      }
    }
    const hub = await startHub({ services: [Slow] });
    const c = await connectTestClient(hub.url);
    try {
      const slow = await c.getService('Slow');
      const call = slow.callRemote('slow');
      await new Promise((r) => setTimeout(r, 50)); // the call is being served
      const disconnected = once(c, 'disconnect');
      const closing = hub.close();
      expect(await call).toBe('finished');
      const [info] = (await disconnected) as [{ error?: { code: string } }];
      expect(info.error?.code).toBe('HUB_ERR_SHUTTING_DOWN');
      await closing;
    } finally {
      c.close();
    }
  });
});
