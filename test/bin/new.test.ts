import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('zhub new', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zhub-new-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes a service project: contract, service, test, depending on this zhub', async () => {
    const where = join(dir, 'p');
    const r = await runCli(['new', 'service', 'disk-usage', '--dir', where]);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(await readFile(join(where, 'package.json'), 'utf8')) as {
      type: string;
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    const own = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies.zhub).toBe(`^${own.version}`);
    expect(pkg.scripts.test).toMatch(/node --test/);
    const service = await readFile(join(where, 'src/services/disk-usage-service.ts'), 'utf8');
    expect(service).toMatch(/export class DiskUsageService extends HubService/);
    const test = await readFile(join(where, 'test/disk-usage-service.test.ts'), 'utf8');
    expect(test).toMatch(/from 'zhub\/testing'/);
  });

  it('refuses a name that is no package or class name, and a folder that is not empty', async () => {
    const bad = await runCli(['new', 'collector', 'Disk Usage', '--dir', join(dir, 'x')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/HUB_ERR_CONFIG: 'Disk Usage' is not a usable name/);
    await writeFile(join(dir, 'keep.txt'), 'mine');
    const full = await runCli(['new', 'collector', 'disk', '--dir', dir]);
    expect(full.code).not.toBe(0);
    expect(full.stderr).toMatch(/is not empty/);
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
    const kind = await runCli(['new', 'plugin', 'disk', '--dir', join(dir, 'y')]);
    expect(kind.stderr).toMatch(/Allowed choices are service, collector/);
  });
});
