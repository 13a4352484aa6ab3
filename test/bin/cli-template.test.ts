// `zhub template` and `zhub device … --template` against a running hub, as an operator
// types them: the shipped templates, add/show/edit/export/import/remove, binding and
// unbinding, and the refusals (an unknown template, removing a bound one) in plain words.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliHub, stopCliHub } from '../support/cli.js';

describe('zhub template', () => {
  let hub: Awaited<ReturnType<typeof startCliHub>>;
  let env: Record<string, string>;
  let dir: string;
  const zhub = (...args: string[]) => runCli([...args, '--hub', hub.url], { env });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zhub-cli-template-'));
    hub = await startCliHub(['--data', join(dir, 'data')]);
    env = { ZHUB_PASSWORD: /password: (\S+)/.exec(hub.output())?.[1] as string };
  });
  afterAll(async () => {
    await stopCliHub(hub);
  });

  it('manages templates and binds them to devices', async () => {
    const list = await zhub('template', 'list');
    expect(list.stderr).toBe('');
    for (const name of ['snmp-interfaces', 'host-resources', 'ping'])
      expect(list.stdout).toContain(name);

    const add = await zhub(
      'template',
      'add',
      'web',
      '--description',
      'HTTP front',
      '--datasource',
      JSON.stringify({ name: 'https', type: 'port', params: { port: 443 } }),
    );
    expect(add.stderr).toBe('');
    expect(add.stdout).toMatch(/added template web \(1 datasource/);
    expect(JSON.parse((await zhub('template', 'show', 'web')).stdout)).toMatchObject({
      name: 'web',
      description: 'HTTP front',
      datasources: [{ name: 'https', type: 'port', params: { port: 443 } }],
    });
    expect((await zhub('template', 'add', 'web')).stderr).toMatch(/already exists/);
    const bad = await zhub('template', 'add', 'bad', '--datasource', '{"name":"x"}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/datasources\.0\.type/);

    // Bind: at add, and by edit (other properties kept); unknown templates refused by name.
    const dev = await zhub(
      'device',
      'add',
      'w1',
      '--address',
      '127.0.0.1',
      '--prop',
      'site=ams',
      '--template',
      'web',
      'ping',
    );
    expect(dev.stderr).toBe('');
    expect(JSON.parse((await zhub('device', 'show', 'w1')).stdout).properties).toEqual({
      site: 'ams',
      zDeviceTemplates: ['web', 'ping'],
    });
    const unknown = await zhub('device', 'edit', 'w1', '--template', 'webb');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no template 'webb'/);
    expect((await zhub('device', 'edit', 'w1', '--template', 'web')).code).toBe(0);
    expect(JSON.parse((await zhub('device', 'show', 'w1')).stdout).properties).toEqual({
      site: 'ams',
      zDeviceTemplates: ['web'],
    });
    const bound = await zhub('template', 'remove', 'web');
    expect(bound.code).toBe(1);
    expect(bound.stderr).toMatch(/bound to 1 device/);

    // A default binding for every device of the collector, as JSON.
    expect(
      (await zhub('collector', 'edit', 'localhost', '--prop', 'zDeviceTemplates=["ping"]')).code,
    ).toBe(0);
    const removePing = await zhub('template', 'remove', 'ping');
    expect(removePing.stderr).toMatch(/bound to 0 device\(s\) and 1 collector/);
    expect(
      (await zhub('collector', 'edit', 'localhost', '--prop', 'zDeviceTemplates=[]')).code,
    ).toBe(0);

    // Edit, export to a file, remove, import back.
    expect((await zhub('template', 'edit', 'web', '--description', 'HTTPS front')).stdout).toMatch(
      /updated template web/,
    );
    const file = join(dir, 'web.json');
    expect((await zhub('template', 'export', 'web', '--out', file)).code).toBe(0);
    const exported = JSON.parse(await readFile(file, 'utf8')) as {
      name: string;
      description: string;
    }[];
    expect(exported).toEqual([
      expect.objectContaining({ name: 'web', description: 'HTTPS front' }),
    ]);
    expect((await zhub('device', 'edit', 'w1', '--no-templates')).code).toBe(0);
    expect(JSON.parse((await zhub('device', 'show', 'w1')).stdout).properties).toEqual({
      site: 'ams',
    });
    expect((await zhub('template', 'remove', 'web')).stdout).toMatch(/removed template web/);
    expect((await zhub('template', 'show', 'web')).stderr).toMatch(/no template 'web'/);
    const imported = await zhub('template', 'import', file);
    expect(imported.stdout).toMatch(/imported 1 template\(s\), 1 changed/);
    expect(JSON.parse((await zhub('template', 'show', 'web')).stdout).description).toBe(
      'HTTPS front',
    );

    // The shipped ones come back with --builtin; an import is all or nothing.
    expect((await zhub('template', 'remove', 'ping')).code).toBe(0);
    expect((await zhub('template', 'import', '--builtin')).stdout).toMatch(
      /imported 3 template\(s\), 1 changed/,
    );
    await writeFile(join(dir, 'mixed.json'), JSON.stringify([{ name: 'ok1' }, { name: '-bad' }]));
    const mixed = await zhub('template', 'import', join(dir, 'mixed.json'));
    expect(mixed.stderr).toMatch(/\[1\]\.name/);
    expect((await zhub('template', 'show', 'ok1')).code).toBe(1);
  }, 120_000); // some thirty commands, each a process of its own
});
