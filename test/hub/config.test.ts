import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, loadHubConfig, redactConfig } from '../../hub/config.js';
import { runCli } from '../support/cli.js';

async function file(content: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'zhub-config-')), 'zhub.config.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('hub configuration', () => {
  it('has a default for everything', async () => {
    const c = await loadHubConfig({});
    expect(c).toMatchObject({
      port: 8789,
      host: '127.0.0.1',
      data: './data',
      monitors: ['localhost'],
      logLevel: 'info',
      localCollector: false,
    });
  });

  it('merges defaults ← file ← environment ← flags', async () => {
    const path = await file({
      port: 9000,
      host: '127.0.0.1',
      logLevel: 'warn',
      limits: { maxConnections: 50, loginTimeoutMs: 2000 },
    });
    const c = await loadHubConfig({
      file: path,
      env: { ZHUB_PORT: '9100', ZHUB_LIMITS__MAX_CONNECTIONS: '70', ZHUB_MONITORS: 'a, b' },
      flags: { port: 9200 },
    });
    expect(c.port).toBe(9200);
    expect(c.host).toBe('127.0.0.1');
    expect(c.logLevel).toBe('warn');
    expect(c.limits).toEqual({ maxConnections: 70, loginTimeoutMs: 2000 });
    expect(c.monitors).toEqual(['a', 'b']);
  });

  it('names every offending key, wherever it came from', async () => {
    const path = await file({ prot: 1, limits: { maxConnections: -1, noSuchLimit: 3 } });
    const err = (await loadHubConfig({
      file: path,
      env: { ZHUB_PORT: 'eighty' },
      flags: { logLevel: 'loud' },
    }).catch((e: unknown) => e)) as {
      code: string;
      message: string;
    };
    expect(err.code).toBe('HUB_ERR_CONFIG');
    for (const key of ['port', 'logLevel', 'limits.maxConnections', 'noSuchLimit', 'prot'])
      expect(err.message).toContain(key);
  });

  it('refuses an unreadable or malformed file clearly', async () => {
    await expect(loadHubConfig({ file: '/no/such/zhub.config.json' })).rejects.toThrow(
      /cannot read the config file/,
    );
    await expect(loadHubConfig({ file: await file('{port: 1') })).rejects.toThrow(/not valid JSON/);
    await expect(loadHubConfig({ file: await file('[1]') })).rejects.toThrow(/JSON object/);
  });

  it('maps environment variable names from keys', () => {
    expect(
      configFromEnv({
        ZHUB_LOG_LEVEL: 'debug',
        ZHUB_LOCAL_COLLECTOR: 'true',
        ZHUB_RPC_LIMITS__MAX_FRAME_BYTES: '1024',
      }),
    ).toEqual({
      logLevel: 'debug',
      localCollector: true,
      rpcLimits: { maxFrameBytes: 1024 },
    });
  });

  it('hides secrets when printed', () => {
    expect(
      redactConfig({ a: 1, nested: { password: 'x', apiToken: 'y', list: [{ secret: 'z' }] } }),
    ).toEqual({
      a: 1,
      nested: { password: '********', apiToken: '********', list: [{ secret: '********' }] },
    });
  });

  it('zhub config print shows the effective configuration; a bad value stops zhub hub', async () => {
    const path = await file({ port: 9000 });
    const printed = await runCli(['config', 'print', '--config', path, '--host', '127.0.0.1'], {
      env: { ZHUB_LOG_LEVEL: 'debug' },
    });
    expect(JSON.parse(printed.stdout)).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      logLevel: 'debug',
    });
    const bad = await runCli(
      ['hub', '--port', '0', '--data', await mkdtemp(join(tmpdir(), 'zhub-bad-'))],
      { env: { ZHUB_LIMITS__MAX_CONNECTIONS: '0' } },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/HUB_ERR_CONFIG: invalid configuration — limits.maxConnections/);
  });
});
