// A real snmpd (Debian's net-snmp agent) on 127.0.0.1 and a free UDP port, with a community
// and two SNMPv3 users, its state in a folder of its own. Installed by .ci/run (snmpd).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const COMMUNITY = 'zhub-test';
export const V3 = {
  authOnly: { name: 'authonly', auth: 'SHA', authPassword: 'auth-pass-123' },
  authPriv: {
    name: 'authpriv',
    auth: 'SHA',
    authPassword: 'auth-pass-123',
    priv: 'AES',
    privPassword: 'priv-pass-456',
  },
} as const;

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export interface Snmpd {
  port: number;
  child: ChildProcess;
  /** SIGSTOP / SIGCONT: an agent that stops answering, and comes back. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export async function startSnmpd(): Promise<Snmpd> {
  const dir = mkdtempSync(join(tmpdir(), 'zhub-snmpd-'));
  const port = await freeUdpPort();
  const conf = join(dir, 'snmpd.conf');
  writeFileSync(
    conf,
    [
      `agentAddress udp:127.0.0.1:${port}`,
      `rocommunity ${COMMUNITY} 127.0.0.1`,
      `createUser ${V3.authOnly.name} ${V3.authOnly.auth} "${V3.authOnly.authPassword}"`,
      `createUser ${V3.authPriv.name} ${V3.authPriv.auth} "${V3.authPriv.authPassword}" ${V3.authPriv.priv} "${V3.authPriv.privPassword}"`,
      `rouser ${V3.authOnly.name} auth`,
      `rouser ${V3.authPriv.name} priv`,
      'sysName zhub-snmpd',
      '',
    ].join('\n'),
  );
  const child = spawn(
    'snmpd',
    ['-f', '-Lo', '-C', '-c', conf, '-p', join(dir, 'pid'), '-M', '/dev/null', '-m', ''],
    {
      env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // Ready once it answers a GET of sysName.
  const snmp = (await import('net-snmp')).default;
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`snmpd exited: ${out}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = snmp.createSession('127.0.0.1', COMMUNITY, {
        port,
        timeout: 300,
        retries: 0,
        version: snmp.Version2c,
      });
      s.on('error', () => undefined);
      s.get(['1.3.6.1.2.1.1.5.0'], (err) => {
        s.close();
        resolve(!err);
      });
    });
    if (ok) break;
    if (Date.now() > end) throw new Error(`snmpd did not answer: ${out}`);
  }
  return {
    port,
    child,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGCONT');
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
