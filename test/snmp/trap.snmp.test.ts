// `zhub daemon trap` end to end: a real hub, the trap receiver as its own process on a free
// UDP port, and real notifications sent with Debian's snmptrap and snmpinform — v1, v2c, v3
// (authPriv) traps and an inform; the standard traps named; linkDown cleared by linkUp of the
// same interface; a mapping from the collector's properties; a wrong community refused; a
// sender that is no device's address. Each becomes an event through the daemon's spool.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, runCli, startCliHub, stopCliHub, ZHUB_BIN } from '../support/cli.js';
import { freeUdpPort } from '../support/snmpd.js';

const COMMUNITY = 'zhub-traps';
const USER = {
  name: 'trapper',
  authType: 'SHA',
  authPassword: 'trap-auth-123',
  privType: 'AES',
  privPassword: 'trap-priv-456',
};
const FAN_TRAP = '1.3.6.1.4.1.99999.0.1';
const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
const IF_INDEX_2 = ['1.3.6.1.2.1.2.2.1.1.2', 'i', '2'];
const IF_NAME_2 = ['1.3.6.1.2.1.31.1.1.1.1.2', 's', 'eth0'];

interface StoredEvent {
  device: string;
  component: string;
  eventClass: string;
  severity: number;
  summary: string;
  state: string;
  count: number;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 15_000 }, (err, _out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('zhub daemon trap', () => {
  let hub: Awaited<ReturnType<typeof startCliHub>>;
  let daemon: ChildProcess;
  let daemonOut = '';
  let password: string;
  let port: number;
  const api = (method: string, path: string, body?: unknown) =>
    adminApi(hub, password)(method, path, body);
  const events = async (state = 'active') =>
    ((await api('GET', `/api/events?state=${state}&limit=1000`)) as { events: StoredEvent[] })
      .events;
  const target = () => `127.0.0.1:${port}`;
  const trap = (...args: string[]) => run('snmptrap', ['-M', '/dev/null', '-m', '', ...args]);
  /** An SNMPv3 authPriv trap from USER, with `authPassword` (the right one or not). */
  const v3trap = (authPassword: string, oid: string) =>
    trap(
      ...['-v', '3', '-e', '0x80001f8880aabbccdd', '-u', USER.name, '-l', 'authPriv'],
      ...['-a', 'SHA', '-A', authPassword, '-x', 'AES', '-X', USER.privPassword],
      target(),
      '',
      oid,
    );
  const until = async (what: string, cond: () => Promise<boolean>, ms = 15_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`not reached: ${what}\n${daemonOut}`);
  };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-trap-'));
    hub = await startCliHub(['--data', join(dir, 'hub')]);
    password = /password: (\S+)/.exec(hub.output())?.[1] as string;
    await api('PATCH', '/api/collectors/localhost', {
      properties: {
        zTrapCommunities: [COMMUNITY],
        zTrapV3Users: [USER],
        zTrapMappings: {
          [FAN_TRAP]: { name: 'fanFailure', severity: 5, summary: 'fan failed on {device}' },
        },
      },
    });
    const add = await runCli(
      ['device', 'add', 'switch-1', '--address', '127.0.0.1', '--hub', hub.url],
      { env: { ZHUB_PASSWORD: password } },
    );
    expect(add.code).toBe(0);
    port = await freeUdpPort();
    daemon = spawn(
      process.execPath,
      [
        ZHUB_BIN,
        'daemon',
        'trap',
        '--hub',
        hub.url,
        '--trap-port',
        String(port),
        '--trap-address',
        '127.0.0.1',
        '--data',
        join(dir, 'daemon'),
        '--log-level',
        'warn',
      ],
      { env: { ...process.env, ZHUB_PASSWORD: password }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    daemon.stdout?.on('data', (d: Buffer) => (daemonOut += d.toString()));
    daemon.stderr?.on('data', (d: Buffer) => (daemonOut += d.toString()));
    // Ready once it knows its community: a v2c coldStart, sent until one arrives.
    await until('a first trap arrives', async () => {
      await trap('-v', '2c', '-c', COMMUNITY, target(), '', '1.3.6.1.6.3.1.1.5.1');
      return (await events()).some((e) => e.summary.includes('coldStart'));
    });
  }, 60_000);

  afterAll(async () => {
    daemon?.kill('SIGTERM');
    await stopCliHub(hub);
  });

  it('names the standard traps, from the device with the sender address', async () => {
    const cold = (await events()).find((e) => e.summary.includes('coldStart'));
    expect(cold).toMatchObject({
      device: 'switch-1',
      eventClass: '/Trap',
      severity: 3,
      summary: 'switch-1 restarted (coldStart)',
    });
    // SNMPv1: generic trap 5 (authenticationFailure), enterprise and agent address given.
    const v1 = await trap(
      '-v',
      '1',
      '-c',
      COMMUNITY,
      target(),
      '1.3.6.1.4.1.8072',
      '127.0.0.1',
      '4',
      '0',
      '',
    );
    expect(v1.code).toBe(0);
    await until('the v1 trap', async () =>
      (await events()).some((e) => e.summary === 'switch-1: SNMP authentication failure'),
    );
  });

  it('clears a linkDown with the linkUp of the same interface', async () => {
    await trap('-v', '2c', '-c', COMMUNITY, target(), '', LINK_DOWN, ...IF_INDEX_2, ...IF_NAME_2);
    const linkDown = async () =>
      (await events()).filter((e) => e.eventClass === '/Net/Link' && e.component === 'eth0');
    await until('linkDown open', async () => (await linkDown()).length === 1);
    expect((await linkDown())[0]).toMatchObject({ severity: 4, summary: 'link eth0 is down' });
    await trap('-v', '2c', '-c', COMMUNITY, target(), '', LINK_UP, ...IF_INDEX_2, ...IF_NAME_2);
    await until('linkDown cleared', async () => (await linkDown()).length === 0);
  });

  it('takes SNMPv3 authPriv traps and informs, mapped by the collector properties', async () => {
    const v3 = await v3trap(USER.authPassword, FAN_TRAP);
    expect(v3.code).toBe(0);
    await until('the v3 trap', async () =>
      (await events()).some((e) => e.summary === 'fan failed on switch-1' && e.severity === 5),
    );
    // An inform is answered: snmpinform exits 0 only once the receiver acknowledged it.
    const inform = await run('snmpinform', [
      '-M',
      '/dev/null',
      '-m',
      '',
      '-v',
      '2c',
      '-c',
      COMMUNITY,
      '-t',
      '2',
      '-r',
      '1',
      target(),
      '',
      '1.3.6.1.6.3.1.1.5.2',
    ]);
    expect(inform.code).toBe(0);
    await until('the inform', async () =>
      (await events()).some((e) => e.summary === 'switch-1 restarted (warmStart)'),
    );
  });

  it('refuses a wrong community and a wrong v3 password, and names senders it does not know', async () => {
    await trap('-v', '2c', '-c', 'not-the-community', target(), '', '1.3.6.1.4.1.99999.0.7');
    await v3trap('wrong-password', '1.3.6.1.4.1.99999.0.8');
    // A trap from another loopback address: no device has it, the event names the address.
    await trap(
      '--clientaddr=127.0.0.2',
      '-v',
      '2c',
      '-c',
      COMMUNITY,
      target(),
      '',
      '1.3.6.1.4.1.99999.0.9',
    );
    await until('the stranger trap', async () =>
      (await events()).some((e) => e.device === '127.0.0.2'),
    );
    const stranger = (await events()).find((e) => e.device === '127.0.0.2');
    expect(stranger).toMatchObject({
      severity: 2,
      summary: 'trap 1.3.6.1.4.1.99999.0.9 from 127.0.0.2',
    });
    const all = await events('active');
    expect(all.some((e) => e.summary.includes('99999.0.7'))).toBe(false);
    expect(all.some((e) => e.summary.includes('99999.0.8'))).toBe(false);
    // The receiver's credentials are secrets: an operator's API view never shows them.
    const collectors = (await api('GET', '/api/collectors')) as {
      collectors?: { properties: Record<string, unknown> }[];
    };
    expect(JSON.stringify(collectors)).toContain(USER.privPassword); // the admin sees them
  });
});
