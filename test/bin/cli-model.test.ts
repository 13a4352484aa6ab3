import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliHub, stopCliHub } from '../support/cli.js';

describe('zhub device, collector and events commands against a running hub', () => {
  let hub: Awaited<ReturnType<typeof startCliHub>>;
  let env: Record<string, string>;
  let dir: string;
  const zhub = (...args: string[]) => runCli([...args, '--hub', hub.url], { env });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zhub-cli-model-'));
    hub = await startCliHub(['--data', join(dir, 'data')]);
    env = { ZHUB_PASSWORD: /password: (\S+)/.exec(hub.output())?.[1] as string };
  });
  afterAll(async () => {
    await stopCliHub(hub);
  });

  it('adds collectors and devices, lists, shows, edits and removes them', async () => {
    const first = await zhub('collector', 'add', 'dc2', '--cycle-interval', '60');
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/collector dc2/);
    expect((await zhub('collector', 'list')).stdout).toMatch(/dc2\s+\d+\s+60/);
    expect((await zhub('collector', 'edit', 'dc2', '--cycle-interval', '90')).code).toBe(0);
    expect((await zhub('collector', 'list')).stdout).toMatch(/dc2\s+\d+\s+90/);
    const missing = await zhub('collector', 'edit', 'dc9', '--cycle-interval', '90');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/HUB_ERR_NOT_FOUND/);
    expect((await zhub('collector', 'edit', 'dc2', '--cycle-interval', 'soon')).stderr).toMatch(
      /--cycle-interval takes a number of seconds/,
    );
    const add = await zhub(
      'device',
      'add',
      'r1',
      '--address',
      '192.0.2.1',
      '--prop',
      'snmpCommunity=public',
      '--datasource',
      '{"name":"ssh","type":"port","params":{"port":22}}',
    );
    expect(add.stdout.trim()).toBe('added device r1 on collector localhost');
    const bad = await zhub('device', 'add', 'r2');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/HUB_ERR_BAD_ARGUMENT: address/);
    expect((await zhub('device', 'list')).stdout).toMatch(/r1\s+r1\s+192\.0\.2\.1\s+localhost\s+1/);
    expect(JSON.parse((await zhub('device', 'show', 'r1')).stdout)).toMatchObject({
      properties: { snmpCommunity: 'public' },
    });
    expect((await zhub('device', 'edit', 'r1', '--collector', 'dc2')).stdout).toMatch(
      /collector dc2/,
    );
    expect((await zhub('device', 'remove', 'r1')).code).toBe(0);
    expect((await zhub('device', 'show', 'r1')).stderr).toMatch(/HUB_ERR_NOT_FOUND/);
  });

  it('imports JSON and CSV files, all or nothing', async () => {
    const csv = join(dir, 'devices.csv');
    await writeFile(
      csv,
      'id,title,address,collector,prop.rack\nsw1,Switch 1,10.0.0.1,localhost,A1\nsw2,,10.0.0.2,,B2\n',
    );
    expect((await zhub('device', 'import', csv)).stdout.trim()).toBe('imported 2 device(s)');
    const json = join(dir, 'devices.json');
    await writeFile(
      json,
      JSON.stringify({
        devices: Array.from({ length: 1500 }, (_, i) => ({
          id: `j${i}`,
          address: `10.2.${i >> 8}.${i & 255}`,
        })),
      }),
    );
    expect((await zhub('device', 'import', json)).stdout.trim()).toBe('imported 1500 device(s)');
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify([{ id: 'ok-1', address: 'a' }, { id: 'no address' }]));
    const r = await zhub('device', 'import', broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/row 2: id/);
    expect(r.stderr).toMatch(/nothing imported/);
    expect((await zhub('device', 'list', '--search', 'ok-1')).stdout).not.toMatch(/ok-1/);
    expect(JSON.parse((await zhub('device', 'show', 'sw1')).stdout)).toMatchObject({
      title: 'Switch 1',
      properties: { rack: 'A1' },
    });
  });

  it('prints the daemons table and hub figures with zhub status', async () => {
    const r = await zhub('status');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/daemons: \d+ logged in/);
    expect(r.stdout).toMatch(/store: sqlite/);
    expect(r.stdout).toMatch(/SERVICE\s+METHOD\s+CALLS/);
  });

  it('shows what ConfigService answers, and events sent with zhub call, deduplicated', async () => {
    const diff = JSON.parse(
      (await zhub('call', 'ConfigService', 'getDeviceConfigs', '0', '[]')).stdout,
    ) as { new: { id: string }[] };
    expect(diff.new.map((d) => d.id)).toContain('sw1');
    const batch = JSON.stringify([
      { seq: 1, device: 'sw1', eventClass: '/Net', severity: 5, summary: 'switch down' },
      { seq: 2, device: 'sw1', eventClass: '/Net', severity: 5, summary: 'switch down' },
    ]);
    const sent = JSON.parse((await zhub('call', 'EventService', 'sendEvents', batch)).stdout) as {
      ack: number;
    };
    expect(sent.ack).toBe(2);
    const list = await zhub('events');
    expect(list.stdout).toMatch(/critical\s+2\s+sw1/);
    const id = /^(\d+)\s+critical/m.exec(list.stdout)?.[1] as string;
    const closed = await zhub('events', 'close', id);
    expect(closed.stderr).toBe('');
    expect(closed.stdout.trim()).toBe('1 event(s) changed');
    expect((await zhub('events')).stdout).not.toMatch(/sw1/);
  });
});
