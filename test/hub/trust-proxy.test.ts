// Behind a TLS proxy: client addresses and https come from the proxy's headers only when the
// hub trusts it; otherwise those headers are ignored (a client cannot claim another address).
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { UserStore, type ZHub } from '../../hub/index.js';
import { buildHub } from '../../services/index.js';
import { Broker, WsTransport } from '../../shared/index.js';
import { eventually } from '../support/until.js';

const PASSWORD = 'proxy-test-password';

async function hub(
  trustProxy?: boolean | string | string[],
): Promise<{ zhub: ZHub; http: string }> {
  const users = new UserStore();
  await users.set('u', PASSWORD);
  const zhub = await buildHub({ users, ...(trustProxy === undefined ? {} : { trustProxy }) });
  return { zhub, http: await zhub.app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** A daemon connection that says it comes through a proxy for 203.0.113.7 over https. */
async function viaProxy(http: string, forwardedFor = '203.0.113.7'): Promise<Broker> {
  const url = `${http.replace(/^http/, 'ws')}/hub`;
  const ws = new WebSocket(url, {
    headers: { 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'https' },
  });
  // The transport is made in the open handler: the hub's hello may follow at once.
  const transport = await new Promise<WsTransport>((r, j) => {
    ws.once('open', () => r(new WsTransport(ws, url)));
    ws.once('error', j);
  });
  const broker = new Broker({ transport });
  await broker.ready;
  await broker.remoteRoot().callRemote('login', 'u', PASSWORD, { name: 'proxied' });
  return broker;
}

const login = (http: string) =>
  fetch(`${http}/api/session`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
    },
    body: JSON.stringify({ user: 'u', password: PASSWORD }),
  });

describe('trustProxy', () => {
  let zhub: ZHub | undefined;
  afterEach(async () => {
    await zhub?.close(0);
    zhub = undefined;
  });

  it('takes the client address and https from a trusted proxy', async () => {
    const h = await hub(true);
    zhub = h.zhub;
    const b = await viaProxy(h.http);
    await eventually(() => [...h.zhub.hub.sessions].some((s) => s.loggedIn));
    expect([...h.zhub.hub.sessions].map((s) => s.address)).toEqual(['203.0.113.7']);
    expect((await login(h.http)).headers.get('set-cookie')).toMatch(/; Secure/);
    expect(h.zhub.hub.security.warning).toBeNull();
    b.close();
  });

  it('with a list of trusted proxies, takes the nearest untrusted address, for the session and the per-address limits', async () => {
    // 127.0.0.1 (the socket) and 10.0.0.2 are proxies; 198.51.100.1 was claimed by the client.
    const h = await hub(['127.0.0.1', '10.0.0.2']);
    zhub = h.zhub;
    const b = await viaProxy(h.http, '198.51.100.1, 203.0.113.7, 10.0.0.2');
    await eventually(() => [...h.zhub.hub.sessions].some((s) => s.loggedIn));
    expect([...h.zhub.hub.sessions].map((s) => s.address)).toEqual(['203.0.113.7']);
    b.close();
  });

  it('admits upgrades per client address behind a list of trusted proxies, not per proxy', async () => {
    const users = new UserStore();
    const z = await buildHub({
      users,
      trustProxy: ['127.0.0.1'],
      limits: { maxPendingLoginsPerAddress: 1 },
    });
    zhub = z;
    const url = `${(await z.app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws')}/hub`;
    const open = (from: string): Promise<{ status: number; ws: WebSocket }> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url, { headers: { 'x-forwarded-for': from } });
        ws.on('open', () => resolve({ status: 101, ws }));
        ws.on('unexpected-response', (_q, res) => resolve({ status: res.statusCode ?? 0, ws }));
        ws.on('error', () => undefined);
      });
    const first = await open('203.0.113.9');
    expect(first.status).toBe(101);
    // The same client again: its one connection not logged in is taken.
    const again = await open('203.0.113.9');
    expect(again.status).toBe(429);
    // Another client behind the same proxy is not held back by it.
    const other = await open('203.0.113.10');
    expect(other.status).toBe(101);
    expect(z.hub.upgrades.pendingFrom('203.0.113.9')).toBe(1);
    expect(z.hub.upgrades.pendingFrom('127.0.0.1')).toBe(0);
    for (const c of [first, again, other]) c.ws.terminate();
  });

  it('ignores those headers when no proxy is trusted', async () => {
    const h = await hub();
    zhub = h.zhub;
    const b = await viaProxy(h.http);
    await eventually(() => [...h.zhub.hub.sessions].some((s) => s.loggedIn));
    expect([...h.zhub.hub.sessions].map((s) => s.address)).toEqual(['127.0.0.1']);
    expect((await login(h.http)).headers.get('set-cookie')).not.toMatch(/Secure/);
    b.close();
  });
});
