// TLS end to end with a CA the test makes: the hub serves HTTPS and WSS; daemons and the CLI
// verify it against the CA they are given; a wrong CA and plaintext are refused; client
// certificates (mTLS) when the hub asks for them.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHub, type ClientTls } from '../../daemons/index.js';
import {
  makeCertAuthority,
  makeClientCertificate,
  makeServerCertificate,
  UserStore,
  type CertAuthority,
  type PemPair,
} from '../../hub/index.js';
import { buildHub } from '../../services/index.js';
import { runCli, startCliHub, stopCliHub } from '../support/cli.js';

describe('TLS', () => {
  let dir: string;
  let ca: CertAuthority;
  let other: CertAuthority;
  let server: PemPair;
  let client: PemPair;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zhub-tls-'));
    ca = await makeCertAuthority('test CA');
    other = await makeCertAuthority('some other CA');
    server = await makeServerCertificate(ca, ['localhost', '127.0.0.1']);
    client = await makeClientCertificate(ca, 'east-1');
    await writeFile(join(dir, 'ca.pem'), ca.cert);
    await writeFile(join(dir, 'other.pem'), other.cert);
    await writeFile(join(dir, 'hub.pem'), server.cert);
    await writeFile(join(dir, 'hub-key.pem'), server.key);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** A daemon's connection to `url` (one attempt), verifying with `tls`. */
  const dial = (url: string, tls?: ClientTls) =>
    connectHub({
      url,
      username: 'u',
      password: 'password-1',
      reconnect: false,
      waitMs: 5_000,
      ...(tls ? { tls } : {}),
    });

  async function tlsHub(extra: { clientCa?: string; requireClientCert?: boolean } = {}) {
    const users = new UserStore();
    await users.set('u', 'password-1');
    const zhub = await buildHub({ users, tls: { cert: server.cert, key: server.key, ...extra } });
    const address = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
    return { zhub, wss: `${address.replace(/^https/, 'wss')}/hub`, https: address };
  }

  it('serves WSS verified against the given CA; refuses a wrong CA and plaintext', async () => {
    const { zhub, wss, https } = await tlsHub();
    try {
      expect(wss).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/hub$/);
      const ok = await dial(wss, { ca: ca.cert });
      const adder = await ok.getService('AddService');
      expect(await adder.callRemote('add', 2, 3)).toBe(5);
      ok.close();
      const wrong = dial(wss, { ca: other.cert });
      await expect(wrong).rejects.toThrow(/certificate/i);
      // No CA given: the system's store does not know a private CA.
      await expect(dial(wss)).rejects.toThrow(/certificate/i);
      const plain = dial(wss.replace(/^wss/, 'ws'));
      await expect(plain).rejects.toThrow();
      // Node's fetch knows no private CA either: HTTPS is verified too.
      await expect(fetch(`${https}/health`)).rejects.toThrow();
      expect(zhub.hub.security).toMatchObject({ tls: true, clientCerts: 'off', warning: null });
    } finally {
      await zhub.close(0);
    }
  });

  it('asks daemons for a client certificate signed by its client CA, and may require one', async () => {
    const { zhub, wss } = await tlsHub({ clientCa: ca.cert, requireClientCert: true });
    try {
      const withCert = await dial(wss, { ca: ca.cert, cert: client.cert, key: client.key });
      expect(withCert.state).toBe('connected');
      withCert.close();
      await expect(dial(wss, { ca: ca.cert })).rejects.toThrow();
      const stranger = await makeClientCertificate(other, 'stranger');
      await expect(
        dial(wss, { ca: ca.cert, cert: stranger.cert, key: stranger.key }),
      ).rejects.toThrow();
      expect(zhub.hub.security.clientCerts).toBe('required');
    } finally {
      await zhub.close(0);
    }
  });

  it('works from the command line: zhub cert init, zhub hub --tls-cert, zhub call --ca', async () => {
    const certs = join(dir, 'made');
    const init = await runCli([
      'cert',
      'init',
      '--dir',
      certs,
      '--host',
      'localhost',
      '127.0.0.1',
      '--client',
      'east-1',
    ]);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/hand ca\.pem \(only ca\.pem\) to each collector host/);
    expect((await stat(join(certs, 'hub-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(certs, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(certs, 'east-1.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    const again = await runCli(['cert', 'init', '--dir', certs]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds a CA/);
    const hub = await startCliHub([
      '--data',
      join(dir, 'hub-data'),
      '--tls-cert',
      join(certs, 'hub.pem'),
      '--tls-key',
      join(certs, 'hub-key.pem'),
    ]);
    try {
      const password = /password: (\S+)/.exec(hub.output())?.[1] as string;
      const url = hub.url.replace(/^ws:/, 'wss:');
      const call = await runCli(
        ['call', 'AddService', 'add', '1', '2', '--hub', url, '--ca', join(certs, 'ca.pem')],
        {
          env: { ZHUB_PASSWORD: password },
        },
      );
      expect(call.stdout.trim()).toBe('3');
      const api = await runCli(['device', 'list', '--hub', url, '--ca', join(certs, 'ca.pem')], {
        env: { ZHUB_PASSWORD: password },
      });
      expect(api.code).toBe(0);
      const unverified = await runCli(
        ['call', 'AddService', 'add', '1', '2', '--hub', url, '--timeout', '3000'],
        {
          env: { ZHUB_PASSWORD: password },
        },
      );
      expect(unverified.code).not.toBe(0);
      expect(unverified.stderr).toMatch(/certificate/i);
    } finally {
      await stopCliHub(hub);
    }
  });
});

describe('a hub reachable from other hosts without TLS', () => {
  it('says so at start, on /api/status, and the status page shows it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-exposed-'));
    try {
      const hub = await startCliHub(['--data', dir, '--host', '0.0.0.0']).catch(async () => {
        throw new Error('hub did not start');
      });
      try {
        expect(hub.output()).toMatch(/WARNING: listening on 0\.0\.0\.0 without TLS/);
        const password = /password: (\S+)/.exec(hub.output())?.[1] as string;
        const http = hub.url
          .replace(/^ws/, 'http')
          .replace(/\/hub$/, '')
          .replace('0.0.0.0', '127.0.0.1');
        const r = await fetch(`${http}/api/status`, {
          headers: {
            authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`,
          },
        });
        const body = (await r.json()) as {
          security: { tls: boolean; exposed: boolean; warning: string };
        };
        expect(body.security).toMatchObject({ tls: false, exposed: true });
        expect(body.security.warning).toMatch(/without TLS/);
        const script = await (await fetch(`${http}/ui/app.js`)).text();
        expect(script).toMatch(/Not secure: \$\{warn\}/);
        expect(await (await fetch(`${http}/`)).text()).toMatch(/id="insecure"/);
      } finally {
        await stopCliHub(hub);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
