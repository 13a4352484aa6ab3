// The role matrix: every HTTP route and every built-in service × every role, collectors scoped
// to their monitors and unscoped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHub } from '../../daemons/index.js';
import { StaticMonitors, UserStore, type ZHub } from '../../hub/index.js';
import { buildHub } from '../../services/index.js';

const PASSWORD = 'role-test-password';
const USERS = {
  boss: { role: 'admin' },
  ops: { role: 'operator' },
  east: { role: 'collector', monitors: ['east'] },
  anywhere: { role: 'collector' },
} as const;
type Who = keyof typeof USERS;

/** Every route of the API, with a body that passes its schema where it has one. */
const ROUTES: [method: string, path: string, body?: unknown][] = [
  ['GET', '/api/status'],
  ['GET', '/api/collectors'],
  ['POST', '/api/collectors', { name: 'dc9', properties: {} }],
  ['PATCH', '/api/collectors/dc9', { properties: { cycleInterval: 60 } }],
  ['DELETE', '/api/collectors/dc9'],
  ['GET', '/api/devices'],
  ['GET', '/api/devices/r1'],
  ['POST', '/api/devices', { id: 'r9', address: 'r9.example' }],
  ['POST', '/api/devices/import', [{ id: 'r8', address: 'r8.example' }]],
  ['PATCH', '/api/devices/r1', { title: 'R1' }],
  ['DELETE', '/api/devices/r9'],
  ['GET', '/api/templates'],
  ['GET', '/api/templates/export'],
  ['POST', '/api/templates', { name: 't9', datasources: [] }],
  ['POST', '/api/templates/import', [{ name: 't8' }]],
  ['GET', '/api/templates/t9'],
  ['PATCH', '/api/templates/t9', { description: 'T9' }],
  ['DELETE', '/api/templates/t9'],
  ['GET', '/api/events'],
  ['POST', '/api/events/acknowledge', { ids: [1] }],
  ['POST', '/api/events/close', { ids: [1] }],
  ['POST', '/api/events/reopen', { ids: [1] }],
  ['GET', '/api/deadletters'],
  ['GET', '/api/deadletters/1'],
  ['GET', '/api/metrics?device=r1&metric=cpu'],
  ['GET', '/api/metrics/series?device=r1'],
  ['GET', '/api/audit'],
];

const operatorMay = (method: string, path: string): boolean =>
  (method === 'GET' && path !== '/api/audit') || path.startsWith('/api/events/');

describe('roles', () => {
  let zhub: ZHub;
  let http: string;
  let wss: string;
  beforeAll(async () => {
    const users = new UserStore();
    for (const [name, g] of Object.entries(USERS)) {
      await users.set(name, PASSWORD);
      users.setGrant(name, g.role, 'monitors' in g ? g.monitors : undefined);
    }
    zhub = await buildHub({ users, monitors: new StaticMonitors(['localhost', 'east', 'west']) });
    http = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
    wss = `${http.replace(/^http/, 'ws')}/hub`;
    await zhub.hub.env.model.putDevices([{ id: 'r1', address: 'r1.example' }], 'add');
  });
  afterAll(() => zhub.close(0));

  const call = async (who: Who, method: string, path: string, body?: unknown): Promise<number> => {
    const r = await fetch(`${http}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${who}:${PASSWORD}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return r.status;
  };

  it('HTTP API: admins everything; operators read and change event states; collectors nothing', async () => {
    const seen: string[] = [];
    for (const [method, path, body] of ROUTES) {
      for (const who of ['ops', 'east', 'anywhere'] as Who[]) {
        const status = await call(who, method, path, body);
        const allowed = who === 'ops' && operatorMay(method, path);
        if (allowed) expect(status, `${who} ${method} ${path}`).not.toBe(403);
        else expect(status, `${who} ${method} ${path}`).toBe(403);
      }
      // The admin last: its changes (creating dc9, r9…) run in route order.
      const status = await call('boss', method, path, body);
      expect(status, `boss ${method} ${path}`).not.toBe(403);
      expect(status, `boss ${method} ${path}`).toBeLessThan(500);
      seen.push(`${method} ${path}`);
    }
    expect(seen).toHaveLength(ROUTES.length);
    // Every change the admin made is in the audit log, with who and which.
    const r = await fetch(`${http}/api/audit?limit=100`, {
      headers: { authorization: `Basic ${Buffer.from(`boss:${PASSWORD}`).toString('base64')}` },
    });
    const log = (await r.json()) as { entries: { user: string; action: string; target: string }[] };
    const made = log.entries.filter((e) => e.user === 'boss').map((e) => `${e.action} ${e.target}`);
    expect(made).toContain('POST /api/collectors dc9');
    expect(made).toContain('DELETE /api/devices/:id r9');
    expect(made).toContain('PATCH /api/devices/:id r1');
    // Refused (403) and failed (404: no event 1) requests changed nothing and are not in it.
    expect(log.entries.every((e) => e.user === 'boss')).toBe(true);
  });

  it('shows secret properties (communities, v3 passwords) to admins only, and never audits them', async () => {
    const get = async (who: Who, path: string, method = 'GET', body?: unknown) => {
      const r = await fetch(`${http}${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${who}:${PASSWORD}`).toString('base64')}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return JSON.stringify(await r.json());
    };
    const secrets = ['c0mmunity-s3cret', 'auth-s3cret', 'priv-s3cret'];
    await get('boss', '/api/devices', 'POST', {
      id: 'sw-secret',
      address: 'sw.example',
      properties: {
        zSnmpCommunity: secrets[0],
        zSnmpAuthPassword: secrets[1],
        zSnmpPrivPassword: secrets[2],
        zSnmpVer: 'v3',
      },
    });
    await get('boss', '/api/collectors/localhost', 'PATCH', {
      properties: {
        zTrapCommunities: [secrets[0]],
        zTrapV3Users: [{ name: 'u', authPassword: secrets[1] }],
      },
    });
    for (const path of ['/api/devices', '/api/devices/sw-secret', '/api/collectors']) {
      const admin = await get('boss', path);
      const operator = await get('ops', path);
      for (const secret of secrets.slice(0, path === '/api/collectors' ? 2 : 3)) {
        expect(admin, `admin ${path}`).toContain(secret);
        expect(operator, `operator ${path}`).not.toContain(secret);
      }
      expect(operator, path).toContain('********');
      expect(operator, path).toContain(path === '/api/collectors' ? 'zTrapV3Users' : 'v3');
    }
    const audit = await get('boss', '/api/audit?limit=100');
    expect(audit).toContain('sw-secret');
    for (const secret of secrets) expect(audit).not.toContain(secret);
  });

  it('the status page: operators log in, collectors may not', async () => {
    const login = (user: Who) =>
      fetch(`${http}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, password: PASSWORD }),
      });
    const ops = await login('ops');
    expect(ops.status).toBe(200);
    expect(await ops.json()).toEqual({ user: 'ops', role: 'operator' });
    expect((await login('east')).status).toBe(403);
  });

  it('daemon services: admins any monitor; operators none; collectors their monitors only', async () => {
    const services = ['AddService', 'ConfigService', 'EventService', 'MetricService'];
    const outcome = async (who: Who, monitor: string): Promise<string[]> => {
      const client = await connectHub({
        url: wss,
        username: who,
        password: PASSWORD,
        monitor,
        reconnect: false,
        waitMs: 10_000,
      });
      try {
        const out: string[] = [];
        for (const name of services) {
          out.push(
            await client.hub!.callRemote('getService', name, monitor, null, undefined).then(
              () => 'ok',
              (e: { code: string }) => e.code,
            ),
          );
        }
        return out;
      } finally {
        client.close();
      }
    };
    const ok = services.map(() => 'ok');
    const forbidden = services.map(() => 'HUB_ERR_FORBIDDEN');
    for (const monitor of ['east', 'west']) {
      expect(await outcome('boss', monitor)).toEqual(ok);
      expect(await outcome('ops', monitor)).toEqual(forbidden);
      expect(await outcome('anywhere', monitor)).toEqual(ok);
    }
    expect(await outcome('east', 'east')).toEqual(ok);
    expect(await outcome('east', 'west')).toEqual(forbidden);
    // A scoped collector's daemon that asks for another monitor stops with a fatal error.
    await expect(
      connectHub({
        url: wss,
        username: 'east',
        password: PASSWORD,
        monitor: 'west',
        waitMs: 10_000,
      }).then((c) => c.getService('ConfigService').finally(() => c.close())),
    ).rejects.toMatchObject({ code: 'HUB_ERR_FORBIDDEN' });
  });

  it('keeps old users files working (users without a role are admins), and roles survive a save', async () => {
    const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'zhub-roles-'));
    try {
      const path = join(dir, 'hubpasswd.json');
      const legacy = new UserStore(path);
      await legacy.set('legacy', PASSWORD);
      await legacy.save();
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ version: 1 });
      const loaded = await UserStore.load(path);
      expect(loaded.grant('legacy')).toEqual({ role: 'admin', monitors: undefined });
      loaded.setGrant('legacy', 'collector', ['east']);
      await loaded.set('legacy', 'a-new-password'); // a new password keeps the role
      await loaded.save();
      // Version 2: a zhub that knows no roles refuses it instead of taking everyone for an admin.
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ version: 2 });
      expect((await UserStore.load(path)).grant('legacy')).toEqual({
        role: 'collector',
        monitors: ['east'],
      });
      // A role change on reload counts as a change: the user's sessions end.
      const running = await UserStore.load(path);
      const edited = await UserStore.load(path);
      edited.setGrant('legacy', 'operator');
      await edited.save();
      expect((await running.reload()).changed).toEqual(['legacy']);
      expect(() => edited.setGrant('legacy', 'operator', ['east'])).toThrow(/only collector users/);
      await writeFile(path, '{"version":3,"users":{}}');
      await expect(UserStore.load(path)).rejects.toMatchObject({ code: 'HUB_ERR_USERS_FILE' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('machine tokens', () => {
  it('log a collector in without scrypt, are kept only as a SHA-256, and give no timing oracle', async () => {
    const users = new UserStore();
    await users.set('person', PASSWORD);
    const token = users.setToken('east-1');
    users.setGrant('east-1', 'collector', ['east']);
    expect(token).toMatch(/^zt_[A-Za-z0-9_-]{43}$/);
    expect(await users.verify('east-1', token)).toBe(true);
    expect(await users.verify('east-1', `${token.slice(0, -1)}A`)).toBe(token.endsWith('A'));
    // Token-shaped guesses are checked fast for every name; nothing else pays less than scrypt.
    expect(await users.verify('nobody', token)).toBe(false);
    expect(await users.verify('person', token)).toBe(false);
    expect(await users.verify('east-1', PASSWORD)).toBe(false);
    expect(users.stats.tokenChecks).toBe(4);
    expect(users.stats.hashChecks).toBe(1);
    await expect(users.set('person', 'zt_looks-like-a-token')).rejects.toThrow(/may not start/);
    // A new token replaces the old one and keeps the role.
    const next = users.setToken('east-1');
    expect(await users.verify('east-1', token)).toBe(false);
    expect(await users.verify('east-1', next)).toBe(true);
    expect(users.grant('east-1')).toEqual({ role: 'collector', monitors: ['east'] });
  });

  it('work end to end: a daemon logs in with its token', async () => {
    const users = new UserStore();
    const token = users.setToken('east-1');
    users.setGrant('east-1', 'collector', ['localhost']);
    const zhub = await buildHub({ users });
    try {
      const http = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
      const c = await connectHub({
        url: `${http.replace(/^http/, 'ws')}/hub`,
        username: 'east-1',
        password: token,
      });
      expect(await (await c.getService('AddService')).callRemote('add', 1, 2)).toBe(3);
      c.close();
      expect(users.stats).toMatchObject({ hashChecks: 0, tokenChecks: 1 });
    } finally {
      await zhub.close(0);
    }
  });
});
