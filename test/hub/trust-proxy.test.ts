// Behind a TLS proxy: client addresses and https come from the proxy's headers only when the
// hub trusts it; otherwise those headers are ignored (a client cannot claim another address).
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { UserStore, type ZHub } from '../../hub/index.js';
import { buildHub } from '../../services/index.js';
import { Broker, WsTransport } from '../../shared/index.js';
import { eventually } from '../support/until.js';

const PASSWORD = 'proxy-test-password';

async function hub(trustProxy?: boolean): Promise<{ zhub: ZHub; http: string }> {
  const users = new UserStore();
  await users.set('u', PASSWORD);
  const zhub = await buildHub({ users, ...(trustProxy === undefined ? {} : { trustProxy }) });
  return { zhub, http: await zhub.app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** A daemon connection that says it comes through a proxy for 203.0.113.7 over https. */
async function viaProxy(http: string): Promise<Broker> {
  const url = `${http.replace(/^http/, 'ws')}/hub`;
  const ws = new WebSocket(url, {
    headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
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
