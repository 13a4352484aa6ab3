import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Hub, UserStore } from '../../hub/index.js';
import { Broker, CloseCode, RemoteReference } from '../../shared/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { transportPair } from '../support/memory-transport.js';
import { rawConnect, TEST_PASSWORD, TEST_USER, startHub } from '../support/hub-fixture.js';

describe('hub login over real sockets', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('exposes nothing but login before login', async () => {
    const hub = await startHub();
    stop = hub.close;
    const b = await rawConnect(hub.url);
    for (const m of ['ping', 'getService', 'listServices', 'whoami']) {
      await expect(b.remoteRoot().callRemote(m, 'AddService', 'localhost')).rejects.toMatchObject({
        code: 'HUB_ERR_NO_SUCH_METHOD',
      });
    }
    const avatar = await b
      .remoteRoot()
      .callRemote<RemoteReference>('login', TEST_USER, TEST_PASSWORD, { name: 'd1', type: 'port' });
    expect(avatar).toBeInstanceOf(RemoteReference);
    expect(await avatar.callRemote('ping')).toBe('pong');
    expect(await avatar.callRemote('whoami')).toMatchObject({
      user: TEST_USER,
      daemon: 'd1',
      type: 'port',
    });
    await expect(
      b.remoteRoot().callRemote('login', TEST_USER, TEST_PASSWORD),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_ALREADY_LOGGED_IN',
    });
    b.close();
  });

  it('gives the same error for an unknown user and a wrong password', async () => {
    const hub = await startHub();
    stop = hub.close;
    const b = await rawConnect(hub.url);
    const unknown = (await b
      .remoteRoot()
      .callRemote('login', 'nobody', TEST_PASSWORD)
      .catch((e: unknown) => e)) as Error & { code: string };
    const wrong = (await b
      .remoteRoot()
      .callRemote('login', TEST_USER, 'not the password')
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(unknown.code).toBe('HUB_ERR_AUTH_FAILED');
    expect(wrong.code).toBe('HUB_ERR_AUTH_FAILED');
    expect(unknown.message).toBe(wrong.message);
    b.close();
  });

  it('refuses malformed login arguments cleanly', async () => {
    const hub = await startHub();
    stop = hub.close;
    const b = await rawConnect(hub.url);
    await expect(b.remoteRoot().callRemote('login', 1, 2)).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
    await expect(
      b.remoteRoot().callRemote('login', 'a', 'b', { name: 'x\u0000y' }),
    ).rejects.toMatchObject({ code: 'HUB_ERR_BAD_ARGUMENT' });
    await expect(b.remoteRoot().callRemote('login', 'a', 'b', [])).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
    b.close();
  });

  it('rate-limits failed logins per address, even with the right password, and hangs up on repeat offenders', async () => {
    const hub = await startHub({
      limits: { maxLoginFailures: 3, maxLoginFailuresPerConnection: 2 },
    });
    stop = hub.close;
    const first = await rawConnect(hub.url);
    const closed = new Promise<number>((r) => first.onClose((info) => r(info.code)));
    await first
      .remoteRoot()
      .callRemote('login', TEST_USER, 'wrong-1')
      .catch(() => undefined);
    await first
      .remoteRoot()
      .callRemote('login', TEST_USER, 'wrong-2')
      .catch(() => undefined);
    expect(await closed).toBe(CloseCode.AUTH_FAILED);
    const second = await rawConnect(hub.url);
    await second
      .remoteRoot()
      .callRemote('login', TEST_USER, 'wrong-3')
      .catch(() => undefined);
    const limited = (await second
      .remoteRoot()
      .callRemote('login', TEST_USER, TEST_PASSWORD)
      .catch((e: unknown) => e)) as {
      code: string;
      data: { retryAfterMs: number };
    };
    expect(limited.code).toBe('HUB_ERR_RATE_LIMITED');
    expect(limited.data.retryAfterMs).toBeGreaterThan(0);
    second.close();
  });

  it('closes a connection that does not log in within the login timeout', async () => {
    const clock = new ManualClock();
    const users = new UserStore();
    const hub = new Hub({ users, clock, limits: { loginTimeoutMs: 5_000 } });
    const [client, server] = transportPair();
    hub.accept(server);
    const broker = new Broker({ transport: client, clock });
    await broker.ready;
    const closed = new Promise<{ code: number; error?: { code: string } }>((r) =>
      broker.onClose((i) => r(i)),
    );
    clock.advance(5_000);
    const info = await closed;
    expect(info.code).toBe(CloseCode.LOGIN_TIMEOUT);
    expect(info.error?.code).toBe('HUB_ERR_LOGIN_TIMEOUT');
    expect(hub.sessions.size).toBe(0);
  });
});

describe('users file', () => {
  it('is created on first start with a random admin password, stored only as a salted hash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-users-'));
    const path = join(dir, 'sub', 'hubpasswd.json');
    const first = await UserStore.open(path);
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // Not written until the caller saves it (the hub: once it listens).
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await first.store.save();
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(first.generatedPassword);
    expect(JSON.parse(text)).toMatchObject({
      version: 1,
      users: { admin: { salt: expect.any(String), hash: expect.any(String) } },
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await first.store.verify('admin', first.generatedPassword as string)).toBe(true);
    const again = await UserStore.open(path);
    expect(again.generatedPassword).toBeUndefined();
    expect(await again.store.verify('admin', first.generatedPassword as string)).toBe(true);
    const other = await UserStore.open(join(dir, 'other.json'));
    expect(other.generatedPassword).not.toBe(first.generatedPassword);
  });

  it('adds, verifies, removes and lists users', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-users-'));
    const path = join(dir, 'u.json');
    const { store } = await UserStore.open(path);
    await store.set('collector-1', 'secret-password');
    await store.save();
    const loaded = await UserStore.load(path);
    expect(loaded.list()).toEqual(['admin', 'collector-1']);
    expect(await loaded.verify('collector-1', 'secret-password')).toBe(true);
    expect(await loaded.verify('collector-1', 'secret-passworD')).toBe(false);
    expect(loaded.remove('collector-1')).toBe(true);
    await expect(loaded.set('bad name!', 'long enough')).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
    await expect(loaded.set('ok', 'short')).rejects.toMatchObject({ code: 'HUB_ERR_BAD_ARGUMENT' });
  });

  it('remembers a verified login (no second scrypt) until the password changes; never a failure', async () => {
    const store = new UserStore();
    await store.set('daemon', 'first password');
    expect(await store.verify('daemon', 'first password')).toBe(true);
    expect(await store.verify('daemon', 'first password')).toBe(true);
    expect(store.stats).toEqual({ hashChecks: 1, remembered: 1, tokenChecks: 0, ticketChecks: 0 });
    expect(await store.verify('daemon', 'wrong password')).toBe(false);
    expect(await store.verify('daemon', 'wrong password')).toBe(false);
    expect(store.stats.hashChecks).toBe(3);
    await store.set('daemon', 'second password');
    expect(await store.verify('daemon', 'first password')).toBe(false);
    expect(await store.verify('daemon', 'second password')).toBe(true);
    store.remove('daemon');
    expect(await store.verify('daemon', 'second password')).toBe(false);
    expect(store.stats.remembered).toBe(1);
  });

  it('refuses a malformed users file with a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-users-'));
    const path = join(dir, 'u.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, '{"version":1,"users":{"admin":{"password":"plain"}}}');
    await expect(UserStore.open(path)).rejects.toMatchObject({ code: 'HUB_ERR_USERS_FILE' });
  });
});

describe('buildHub({ dataDir })', () => {
  it("uses the users file of the data directory, as 'zhub hub' does", async () => {
    const { buildHub } = await import('../../services/index.js');
    const { connectHub } = await import('../../daemons/index.js');
    const dataDir = await mkdtemp(join(tmpdir(), 'zhub-datadir-users-'));
    const opened = await UserStore.open(join(dataDir, 'hubpasswd.json'));
    await opened.store.save();
    const { generatedPassword } = opened;
    const zhub = await buildHub({ dataDir });
    try {
      const address = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
      const client = await connectHub({
        url: `${address.replace(/^http/, 'ws')}/hub`,
        username: 'admin',
        password: generatedPassword as string,
        waitMs: 10_000,
      });
      expect(client.state).toBe('connected');
      client.close();
    } finally {
      await zhub.close();
    }
  });
});
