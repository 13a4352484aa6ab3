import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCliHub } from '../support/cli.js';

describe('zhub command line', () => {
  it('lists its subcommands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const sub of ['hub', 'user', 'sum', 'call'])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${sub}\\b`, 'm'));
  });

  it('zhub sum 1 2 3 4 --embedded prints 10 with nothing running', async () => {
    const r = await runCli(['sum', '1', '2', '3', '4', '--embedded']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('10');
    expect(r.code).toBe(0);
  });

  it('refuses --workers with the embedded SQLite store, and a store that is not a postgres:// URL', async () => {
    const data = await mkdtemp(join(tmpdir(), 'zhub-cli-'));
    const w = await runCli(['hub', '--workers', '2', '--data', data, '--port', '0']);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/--workers needs the PostgreSQL store/);
    const s = await runCli(['hub', '--store', 'mysql://x/y', '--data', data, '--port', '0']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/store: a postgres:\/\/ URL/);
  });

  it('refuses a non-number with a clear message', async () => {
    const r = await runCli(['sum', '1', 'two', '--embedded']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a number: two/);
  });

  it('runs a hub that creates its admin once, then sum and call against it, then stops on SIGTERM', async () => {
    const data = await mkdtemp(join(tmpdir(), 'zhub-cli-'));
    const hub = await startCliHub(['--data', data, '--services', 'test/fixtures/services']);
    try {
      const password = /password: (\S+)/.exec(hub.output())?.[1] as string;
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const env = { ZHUB_PASSWORD: password };
      const sum = await runCli(['sum', '1', '2', '3', '4', '--hub', hub.url], { env });
      expect(sum.stdout.trim()).toBe('10');
      const call = await runCli(['call', 'AddService', 'add', '20', '22', '--hub', hub.url], {
        env,
      });
      expect(JSON.parse(call.stdout)).toBe(42);
      const echo = await runCli(['call', 'EchoService', 'echo', '{"a":[1,2]}', '--hub', hub.url], {
        env,
      });
      expect(JSON.parse(echo.stdout)).toEqual({ a: [1, 2] });
      const bad = await runCli(['call', 'AddService', 'constructor', '--hub', hub.url], { env });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/HUB_ERR_NO_SUCH_METHOD/);
      const denied = await runCli(['sum', '1', '--hub', hub.url, '--password', 'wrong-password'], {
        env: {},
      });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/HUB_ERR_AUTH_FAILED/);
    } finally {
      const exited = once(hub.child, 'exit');
      hub.child.kill('SIGTERM');
      const [code] = (await exited) as [number];
      expect(code).toBe(0);
    }
    // Second start: the users file exists, no password is printed.
    const again = await startCliHub(['--data', data]);
    try {
      expect(again.output()).not.toMatch(/password:/);
    } finally {
      again.child.kill('SIGKILL');
    }
  });

  it('manages users in the users file', async () => {
    const data = await mkdtemp(join(tmpdir(), 'zhub-cli-'));
    const add = await runCli(['user', 'add', 'collector', '--data', data]);
    expect(add.stdout).toMatch(/added user 'collector' \(admin\) with password: \S{24}/);
    const set = await runCli([
      'user',
      'add',
      'other',
      '--password',
      'a-chosen-password',
      '--data',
      data,
    ]);
    expect(set.stdout.trim()).toBe("added user 'other' (admin)");
    const list = await runCli(['user', 'list', '--data', data]);
    expect(list.stdout.trim().split('\n')).toEqual([
      'admin\tadmin',
      'collector\tadmin',
      'other\tadmin',
    ]);
    const tok = await runCli([
      'user',
      'add',
      'east-1',
      '--role',
      'collector',
      '--monitor',
      'east',
      '--token',
      '--data',
      data,
    ]);
    expect(tok.stdout).toMatch(
      /added user 'east-1' \(collector of east\) with token: zt_[A-Za-z0-9_-]{43}/,
    );
    const again = await runCli(['user', 'passwd', 'east-1', '--token', '--data', data]);
    expect(again.stdout).toMatch(/new token for 'east-1': zt_/);
    await runCli(['user', 'remove', 'east-1', '--data', data]);
    const rm = await runCli(['user', 'remove', 'collector', '--data', data]);
    expect(rm.code).toBe(0);
    const missing = await runCli(['user', 'remove', 'collector', '--data', data]);
    expect(missing.code).toBe(1);
    expect((await runCli(['user', 'list', '--data', data])).stdout.trim().split('\n')).toEqual([
      'admin\tadmin',
      'other\tadmin',
    ]);
  });
});
