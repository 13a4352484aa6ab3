import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubClient } from '../../daemons/index.js';
import { Backoff, CloseCode, Referenceable, type RemoteReference } from '../../shared/index.js';
import { memoryHub } from '../support/memory-hub.js';

class Updates extends Referenceable {
  got: unknown[] = [];
  remote_update(v: unknown): string {
    this.got.push(v);
    return 'ok';
  }
}

describe('HubClient', () => {
  const clients: HubClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  const track = (c: HubClient): HubClient => {
    clients.push(c);
    return c;
  };

  it('connects, logs in and calls a service', async () => {
    const env = await memoryHub();
    const c = track(env.client());
    c.start();
    await c.whenConnected();
    expect(c.state).toBe('connected');
    const add = await c.getService('AddService');
    expect(await add.callRemote('add', 40, 2)).toBe(42);
  });

  it('with reconnect: false, closes when the connection ends instead of retrying', async () => {
    const env = await memoryHub();
    const c = track(env.client({ reconnect: false }));
    c.start();
    await c.whenConnected();
    const connects = env.serverEnds.length;
    const disconnected = once(c, 'disconnect');
    env.serverEnds[0]?.close(1011, 'hub crashed');
    await disconnected;
    expect(c.state).toBe('closed');
    env.clock.advance(120_000);
    await new Promise((r) => setImmediate(r));
    expect(env.serverEnds.length).toBe(connects);
    // And a first attempt that fails is not retried either.
    env.setRefusing(true);
    const d = track(env.client({ reconnect: false }));
    d.start();
    await expect(d.whenConnected()).rejects.toMatchObject({ code: 'HUB_ERR_NOT_CONNECTED' });
    expect(d.state).toBe('closed');
  });

  it('close() called in a disconnect listener sticks: no reconnect follows', async () => {
    const env = await memoryHub();
    const c = track(env.client());
    c.start();
    await c.whenConnected();
    const connects = env.serverEnds.length;
    c.on('disconnect', () => c.close());
    const disconnected = once(c, 'disconnect');
    env.serverEnds[0]?.close(1011, 'hub crashed');
    await disconnected;
    env.clock.advance(120_000);
    await new Promise((r) => setImmediate(r));
    expect(c.state).toBe('closed');
    expect(env.serverEnds.length).toBe(connects);
  });

  it('a service proxy has the reference API: notifyOnDisconnect per drop, release for good', async () => {
    const env = await memoryHub();
    const c = track(env.client());
    c.start();
    await c.whenConnected();
    const add = await c.getService('AddService');
    const drops: unknown[] = [];
    const onDrop = (p: unknown) => drops.push(p);
    add.notifyOnDisconnect(onDrop);
    const reconnecting = once(c, 'reconnecting');
    env.serverEnds[0]?.close(1011, 'hub crashed');
    const [{ delayMs }] = (await reconnecting) as [{ delayMs: number }];
    expect(drops).toEqual([add]);
    const back = once(c, 'connect');
    env.clock.advance(delayMs);
    await back;
    expect(await add.callRemote('add', 1, 2)).toBe(3); // re-acquired: the same proxy works
    add.dontNotifyOnDisconnect(onDrop);
    add.release();
    expect(add.isDead).toBe(true);
    await expect(add.callRemote('add', 1, 2)).rejects.toMatchObject({
      code: 'HUB_ERR_DEAD_REFERENCE',
    });
    // Asking again gives a new, working proxy.
    const again = await c.getService('AddService');
    expect(again).not.toBe(add);
    expect(await again.callRemote('add', 2, 2)).toBe(4);
  });

  it('a connect listener attached right after connecting hears the current connection once', async () => {
    const env = await memoryHub();
    const c = track(await env.connected());
    const heard: { reconnect: boolean }[] = [];
    c.on('connect', (info) => heard.push(info));
    let onceHeard = 0;
    c.once('connect', () => onceHeard++);
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([{ url: 'memory://hub', reconnect: false }]);
    expect(onceHeard).toBe(1);
  });

  it('reconnects after a drop, logs in again, re-acquires services and re-registers listeners', async () => {
    const env = await memoryHub();
    const listener = new Updates();
    const c = track(env.client());
    c.start();
    await c.whenConnected();
    const echo = await c.getService('EchoService', { listener });
    expect(await echo.callRemote('broadcast', 'before')).toBe(1);

    const disconnected = once(c, 'disconnect');
    const reconnecting = once(c, 'reconnecting');
    env.serverEnds[0]?.close(1011, 'hub crashed');
    await disconnected;
    const [{ delayMs }] = (await reconnecting) as [{ delayMs: number }];
    await expect(echo.callRemote('echo', 1)).rejects.toMatchObject({
      code: 'HUB_ERR_NOT_CONNECTED',
      retryable: true,
    });

    const connected = once(c, 'connect');
    env.clock.advance(delayMs);
    const [info] = (await connected) as [{ reconnect: boolean }];
    expect(info.reconnect).toBe(true);
    // The same proxy works again, and the hub has the listener again.
    expect(await echo.callRemote('echo', 'after')).toBe('after');
    expect(await echo.callRemote('listenerCount')).toBe(1);
    expect(await echo.callRemote('broadcast', 'pushed after reconnect')).toBe(1);
    expect(listener.got).toEqual(['before', 'pushed after reconnect']);
  });

  it('backs off exponentially with jitter and a cap while the hub is unreachable', async () => {
    const env = await memoryHub();
    env.setRefusing(true);
    const c = track(
      env.client({ limits: { reconnectBaseMs: 100, reconnectFactor: 2, reconnectMaxMs: 1_000 } }),
    );
    const delays: number[] = [];
    c.on('reconnecting', ({ delayMs }) => delays.push(delayMs));
    c.start();
    for (let i = 0; i < 7; i++) {
      await new Promise((r) => setImmediate(r));
      env.clock.advance(delays.at(-1) ?? 0);
    }
    // random() = 0.5 gives 3/4 of each ceiling: 100, 200, 400, 800, then the 1000 cap.
    expect(delays.slice(0, 6)).toEqual([75, 150, 300, 600, 750, 750]);
    env.setRefusing(false);
    const connected = once(c, 'connect');
    await new Promise((r) => setImmediate(r));
    env.clock.advance(1_000);
    await connected;
    expect(c.state).toBe('connected');
  });

  it('stops retrying on bad credentials with a clear error', async () => {
    const env = await memoryHub();
    const c = track(env.client({ password: 'wrong-password' }));
    const fatal = once(c, 'fatal');
    c.start();
    await expect(c.whenConnected()).rejects.toMatchObject({ code: 'HUB_ERR_AUTH_FAILED' });
    const [err] = (await fatal) as [{ code: string }];
    expect(err.code).toBe('HUB_ERR_AUTH_FAILED');
    expect(c.state).toBe('failed');
    expect(env.clock.pending).toBe(env.hubTimers); // no retry timer armed
  });

  it('detects a hub that stopped answering through keep-alive pings', async () => {
    const env = await memoryHub();
    const c = track(env.client({ limits: { pingIntervalMs: 1_000, pingTimeoutMs: 500 } }));
    c.start();
    await c.whenConnected();
    // The hub process freezes: it reads nothing more.
    env.serverEnds[0]?.pause();
    const disconnected = once(c, 'disconnect');
    env.clock.advance(1_000);
    await new Promise((r) => setImmediate(r));
    env.clock.advance(500);
    const [info] = (await disconnected) as [{ code: number; error?: { code: string } }];
    expect(info.code).toBe(CloseCode.PING_TIMEOUT);
    expect(c.state).toBe('waiting');
  });

  it('times out whenConnected with the last error when the hub never answers', async () => {
    const env = await memoryHub();
    env.setRefusing(true);
    const c = track(env.client());
    c.start();
    const waiting = c.whenConnected(5_000);
    await new Promise((r) => setImmediate(r));
    env.clock.advance(5_000);
    await expect(waiting).rejects.toThrow(/within 5000 ms: connection refused/);
  });

  it('close() stops everything: no reconnect, no timers', async () => {
    const env = await memoryHub();
    const c = env.client();
    c.start();
    await c.whenConnected();
    c.close();
    await new Promise((r) => setImmediate(r));
    expect(c.state).toBe('closed');
    expect(env.clock.pending).toBe(env.hubTimers);
    expect(env.hub.sessions.size).toBe(0);
  });

  it('lets the hub call back into the daemon root', async () => {
    class DaemonRoot extends Referenceable {
      remote_getName(): string {
        return 'collector-x';
      }
    }
    const env = await memoryHub();
    const c = track(env.client({ root: new DaemonRoot() }));
    c.start();
    await c.whenConnected();
    const session = [...env.hub.sessions][0];
    const daemonRoot = session?.broker.remoteRoot() as RemoteReference;
    expect(await daemonRoot.callRemote('getName')).toBe('collector-x');
  });
});

describe('Backoff', () => {
  it('grows by the factor up to the cap, jittered within [ceiling/2, ceiling]', () => {
    const lo = new Backoff({ baseMs: 100, factor: 2, maxMs: 500, random: () => 0 });
    expect([lo.next(), lo.next(), lo.next(), lo.next(), lo.next()]).toEqual([
      50, 100, 200, 250, 250,
    ]);
    const hi = new Backoff({ baseMs: 100, factor: 2, maxMs: 500, random: () => 1 });
    expect([hi.next(), hi.next(), hi.next(), hi.next()]).toEqual([100, 200, 400, 500]);
    hi.reset();
    expect(hi.next()).toBe(100);
  });

  it('refuses nonsense settings', () => {
    expect(() => new Backoff({ baseMs: 0, factor: 2, maxMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 10, factor: 2, maxMs: 5 })).toThrow(RangeError);
  });
});
