// The snmp collector against a real snmpd: v2c and v3 (authNoPriv, authPriv) GETs, GETBULK
// table walks labelled by ifName, counter widths, an agent that stops answering and comes
// back, and `zhub daemon snmp` end to end through a real hub.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnmpCollector, type DeviceConfig } from '../../daemons/index.js';
import { silentLogger } from '../../shared/index.js';
import { adminApi, runCli, runDaemonOnce, startCliHub, stopCliHub } from '../support/cli.js';
import { COMMUNITY, startSnmpd, V3, type Snmpd } from '../support/snmpd.js';

const SYS = { sysUpTime: '1.3.6.1.2.1.1.3.0', ifNumber: '1.3.6.1.2.1.2.1.0' };
const IF_TABLE = {
  label: '1.3.6.1.2.1.31.1.1.1.1', // ifName
  columns: {
    ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6', // Counter64
    ifInOctets: '1.3.6.1.2.1.2.2.1.10', // Counter32
  },
};

describe('the snmp collector against snmpd', () => {
  let agent: Snmpd;
  beforeAll(async () => {
    agent = await startSnmpd();
  });
  afterAll(() => agent?.stop());

  const device = (properties: Record<string, unknown>): DeviceConfig =>
    ({
      id: 'router-1',
      address: '127.0.0.1',
      collector: 'localhost',
      properties: { zSnmpPort: agent.port, zSnmpTimeout: 0.5, zSnmpTries: 1, ...properties },
      datasources: [],
    }) as unknown as DeviceConfig;
  const collect = (props: Record<string, unknown>, params: Record<string, unknown>) =>
    new SnmpCollector().collect({
      device: device(props),
      datasource: { name: 'snmp', type: 'snmp', params, datapoints: [] },
      signal: new AbortController().signal,
      log: silentLogger(),
    });

  it('GETs scalars over v2c, and clears its "does not answer" event', async () => {
    const r = await collect({ zSnmpCommunity: COMMUNITY }, { oids: SYS });
    const byName = Object.fromEntries(r.values.map((v) => [v.datapoint, v.value]));
    expect(byName.sysUpTime).toBeGreaterThan(0);
    expect(byName.ifNumber).toBeGreaterThan(0);
    expect(r.events).toEqual([
      expect.objectContaining({ eventClass: '/Status/Snmp', severity: 0 }),
    ]);
  });

  it('walks a table with GETBULK: one series per interface, named by ifName, with counter widths', async () => {
    const r = await collect({ zSnmpCommunity: COMMUNITY }, { table: IF_TABLE });
    const lo64 = r.values.find((v) => v.component === 'lo' && v.datapoint === 'ifHCInOctets');
    const lo32 = r.values.find((v) => v.component === 'lo' && v.datapoint === 'ifInOctets');
    expect(lo64).toMatchObject({ counterBits: 64 });
    expect(lo32).toMatchObject({ counterBits: 32 });
    expect(lo64?.value).toBeGreaterThanOrEqual(0);
    expect(new Set(r.values.map((v) => v.component)).size).toBeGreaterThan(0);
  });

  it('speaks SNMPv3 with authNoPriv and authPriv users', async () => {
    const authOnly = await collect(
      {
        zSnmpVer: 'v3',
        zSnmpSecurityName: V3.authOnly.name,
        zSnmpAuthType: V3.authOnly.auth,
        zSnmpAuthPassword: V3.authOnly.authPassword,
      },
      { oids: SYS },
    );
    expect(authOnly.values.map((v) => v.datapoint)).toContain('sysUpTime');
    const authPriv = await collect(
      {
        zSnmpVer: 'v3',
        zSnmpSecurityName: V3.authPriv.name,
        zSnmpAuthType: V3.authPriv.auth,
        zSnmpAuthPassword: V3.authPriv.authPassword,
        zSnmpPrivType: V3.authPriv.priv,
        zSnmpPrivPassword: V3.authPriv.privPassword,
      },
      { table: IF_TABLE },
    );
    expect(authPriv.values.some((v) => v.component === 'lo')).toBe(true);
    // A wrong privacy password gets no answer the collector could use.
    const wrong = await collect(
      {
        zSnmpVer: 'v3',
        zSnmpSecurityName: V3.authPriv.name,
        zSnmpAuthType: 'SHA',
        zSnmpAuthPassword: 'not-the-password',
        zSnmpPrivType: 'AES',
        zSnmpPrivPassword: V3.authPriv.privPassword,
      },
      { oids: SYS },
    );
    expect(wrong.values).toEqual([]);
    expect(wrong.events?.[0]?.severity).toBe(4);
    expect(wrong.events?.[0]?.summary).not.toContain('not-the-password');
  });

  it('raises one event while the agent does not answer, and clears it when it answers again', async () => {
    agent.pause();
    try {
      const down = await collect({ zSnmpCommunity: COMMUNITY }, { oids: SYS, severity: 5 });
      expect(down.values).toEqual([]);
      expect(down.events).toEqual([
        expect.objectContaining({
          eventKey: 'snmp',
          severity: 5,
          summary: expect.stringMatching(/does not answer/),
        }),
      ]);
    } finally {
      agent.resume();
    }
    const up = await collect({ zSnmpCommunity: COMMUNITY }, { oids: SYS });
    expect(up.events?.[0]?.severity).toBe(0);
  });

  it('refuses settings that cannot work, naming the property and never its value', async () => {
    await expect(collect({ zSnmpVer: 'v9' }, { oids: SYS })).rejects.toThrow(/zSnmpVer/);
    await expect(
      collect(
        { zSnmpVer: 'v3', zSnmpSecurityName: 'x', zSnmpPrivPassword: 'secret-p' },
        { oids: SYS },
      ),
    ).rejects.toThrow(/zSnmpPrivPassword needs zSnmpAuthPassword/);
    await expect(collect({}, { oids: { x: 'not-an-oid' } })).rejects.toThrow(
      /params\.oids\.x is not an OID/,
    );
  });
});

describe('zhub daemon snmp', () => {
  let agent: Snmpd;
  let hub: Awaited<ReturnType<typeof startCliHub>>;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    agent = await startSnmpd();
    dir = await mkdtemp(join(tmpdir(), 'zhub-snmp-daemon-'));
    hub = await startCliHub(['--data', join(dir, 'hub')]);
    env = { ZHUB_PASSWORD: /password: (\S+)/.exec(hub.output())?.[1] as string };
  });
  afterAll(async () => {
    await stopCliHub(hub);
    await agent?.stop();
  });

  it("polls a device with the device's own credentials and delivers its samples", async () => {
    const zhub = (...args: string[]) => runCli([...args, '--hub', hub.url], { env });
    const add = await zhub(
      'device',
      'add',
      'router-1',
      '--address',
      '127.0.0.1',
      '--prop',
      `zSnmpPort=${agent.port}`,
      `zSnmpCommunity=${COMMUNITY}`,
      '--datasource',
      JSON.stringify({
        name: 'sys',
        type: 'snmp',
        params: { oids: SYS },
        datapoints: [{ name: 'sysUpTime' }],
      }),
      '--datasource',
      JSON.stringify({
        name: 'if',
        type: 'snmp',
        params: { table: IF_TABLE },
        datapoints: [{ name: 'ifHCInOctets' }],
      }),
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const run = await runDaemonOnce(zhub, 'snmp', 'router-1', join(dir, 'daemon'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const api = adminApi(hub, env.ZHUB_PASSWORD as string);
    const get = (q: string) => api<{ points: { v: number }[] }>('GET', `/api/metrics?${q}`);
    expect((await get('device=router-1&metric=sysUpTime&from=0')).points[0]?.v).toBeGreaterThan(0);
    expect(
      (await get('device=router-1&metric=ifHCInOctets&component=lo&from=0')).points,
    ).toHaveLength(1);
  });

  it('polls a device bound to the shipped IF-MIB template: one series per interface', async () => {
    const zhub = (...args: string[]) => runCli([...args, '--hub', hub.url], { env });
    const add = await zhub(
      'device',
      'add',
      'switch-1',
      '--address',
      '127.0.0.1',
      '--prop',
      `zSnmpPort=${agent.port}`,
      `zSnmpCommunity=${COMMUNITY}`,
      '--template',
      'snmp-interfaces',
    );
    expect(add.stderr).toBe('');
    const run = await runDaemonOnce(zhub, 'snmp', 'switch-1', join(dir, 'daemon-2'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const series = await adminApi(hub, env.ZHUB_PASSWORD as string)<{
      series: { component: string; metric: string }[];
    }>('GET', '/api/metrics/series?device=switch-1');
    // A gauge per interface at once (counters give rates from the second poll on).
    expect(series.series).toContainEqual({ component: 'lo', metric: 'ifOperStatus' });
  });
});
