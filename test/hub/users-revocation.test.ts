// Changes to the users file take effect at once, as an operator makes them with `zhub user`:
// a removed user's daemon and status-page sessions end, a new password ends the old sessions,
// a new user logs in without a restart.
import { createServer } from 'node:net';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectHub, type HubClient } from '../../daemons/index.js';
import { UserStore } from '../../hub/index.js';
import { CloseCode } from '../../shared/index.js';
import { runCli, startCliHub, stopCliHub } from '../support/cli.js';
import { eventually } from '../support/until.js';

describe('users file changes take effect at once', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('closes a removed user’s and a re-keyed user’s sessions, and lets a new user in, without a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-revoke-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const users = join(dir, 'hubpasswd.json');
    const store = new UserStore(users);
    await store.set('alice', 'alice-password');
    await store.set('bob', 'bob-password');
    await store.save();
    const hub = await startCliHub(['--data', dir, '--users', users]);
    cleanup.push(async () => {
      await stopCliHub(hub);
    });
    const http = hub.url.replace(/^ws/, 'http').replace(/\/hub$/, '');
    const connect = (username: string, password: string): Promise<HubClient> =>
      connectHub({ url: hub.url, username, password, name: `${username}-d`, waitMs: 10_000 });
    const alice = await connect('alice', 'alice-password');
    const bob = await connect('bob', 'bob-password');
    cleanup.push(
      () => alice.close(),
      () => bob.close(),
    );
    const closes: Record<string, number[]> = { alice: [], bob: [] };
    alice.on('disconnect', (i) => closes.alice?.push(i.code));
    bob.on('disconnect', (i) => closes.bob?.push(i.code));
    let aliceFatal = '';
    alice.on('fatal', (e) => (aliceFatal = e.code));
    // alice on the status page (a cookie session) and through the API (a cached Basic login).
    const login = await fetch(`${http}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice', password: 'alice-password' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const basic = `Basic ${Buffer.from('alice:alice-password').toString('base64')}`;
    expect((await fetch(`${http}/api/devices`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${http}/api/devices`, { headers: { authorization: basic } })).status).toBe(
      200,
    );

    const removed = await runCli(['user', 'remove', 'alice', '--users', users]);
    expect(removed.stdout).toMatch(/removed user 'alice'/);
    await eventually(() => closes.alice?.includes(CloseCode.CREDENTIALS_REVOKED) ?? false);
    await eventually(() => aliceFatal === 'HUB_ERR_AUTH_FAILED'); // and cannot come back
    expect((await fetch(`${http}/api/devices`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${http}/api/devices`, { headers: { authorization: basic } })).status).toBe(
      401,
    );
    expect(closes.bob).toEqual([]); // nobody else is touched
    expect(bob.state).toBe('connected');

    // A new user logs in at once.
    await runCli(['user', 'add', 'carol', '--password', 'carol-password', '--users', users]);
    await eventually(() => /"added":\["carol"\][^\n]*users file reloaded/.test(hub.output()));
    const carol = await connect('carol', 'carol-password');
    cleanup.push(() => carol.close());

    // A new password ends bob's session; the old password no longer works.
    await runCli(['user', 'add', 'bob', '--password', 'bob-new-password', '--users', users]);
    await eventually(() => closes.bob?.includes(CloseCode.CREDENTIALS_REVOKED) ?? false);
    await expect(connect('bob', 'bob-password')).rejects.toMatchObject({
      code: 'HUB_ERR_AUTH_FAILED',
    });
    const again = await connect('bob', 'bob-new-password');
    cleanup.push(() => again.close());
    expect(hub.output()).toMatch(/users file reloaded/);
  });

  it('never loses the first admin password: a first start on a busy port writes no users file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-first-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => busy.close(r)));
    const port = String((busy.address() as { port: number }).port);
    const failed = await runCli(['hub', '--port', port, '--host', '127.0.0.1', '--data', dir]);
    expect(failed.code).not.toBe(0);
    await expect(stat(join(dir, 'hubpasswd.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    const hub = await startCliHub(['--data', dir]);
    cleanup.push(async () => {
      await stopCliHub(hub);
    });
    const password = /password: (\S+)/.exec(hub.output())?.[1] as string;
    const client = await connectHub({ url: hub.url, username: 'admin', password, waitMs: 10_000 });
    client.close();
    expect((await stat(join(dir, 'hubpasswd.json'))).mode & 0o777).toBe(0o600);
  });

  it("limits failed logins per address and user: one user's wrong passwords do not lock out another; the CLI says it is rate limited", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-limit-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const users = join(dir, 'hubpasswd.json');
    const store = new UserStore(users);
    await store.set('alice', 'alice-password');
    await store.set('mallory', 'mallory-password');
    await store.save();
    const hub = await startCliHub(['--data', dir, '--users', users]);
    cleanup.push(async () => {
      await stopCliHub(hub);
    });
    const attempt = (username: string, password: string) =>
      connectHub({ url: hub.url, username, password, reconnect: false, waitMs: 10_000 }).then(
        (c) => {
          c.close();
          return 'ok';
        },
        (e: { code?: string }) => e.code,
      );
    for (let i = 0; i < 10; i++) await attempt('mallory', `wrong-${i}`);
    expect(await attempt('mallory', 'mallory-password')).toBe('HUB_ERR_RATE_LIMITED');
    expect(await attempt('alice', 'alice-password')).toBe('ok'); // same address, another user
    const cli = await runCli(
      [
        'call',
        'AddService',
        'add',
        '1',
        '2',
        '--hub',
        hub.url,
        '--user',
        'mallory',
        '--timeout',
        '3000',
      ],
      { env: { ZHUB_PASSWORD: 'mallory-password' } },
    );
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/HUB_ERR_RATE_LIMITED: rate limited: .*retry in \d+ s/);
    expect(cli.stderr).not.toMatch(/could not reach/);
  });
});
