import { WebSocket } from 'ws';
import { UserStore, type ZHub } from '../../hub/index.js';
import { Broker, WsTransport } from '../../shared/index.js';
import { buildHub, type HubOptions } from '../../services/index.js';
import { connectHub, type HubClient, type HubClientOptions } from '../../daemons/index.js';

export const TEST_USER = 'tester';
export const TEST_PASSWORD = 'correct horse battery';

/** A real hub on 127.0.0.1 and a random port, with one known user. */
export async function startHub(
  options: HubOptions = {},
): Promise<{ zhub: ZHub; url: string; close(): Promise<void> }> {
  const users = new UserStore();
  await users.set(TEST_USER, TEST_PASSWORD);
  const zhub = await buildHub({ users, ...options });
  const address = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
  return { zhub, url: `${address.replace(/^http/, 'ws')}/hub`, close: () => zhub.close() };
}

export function connectTestClient(
  url: string,
  extra: Partial<HubClientOptions> = {},
): Promise<HubClient> {
  return connectHub({
    url,
    username: TEST_USER,
    password: TEST_PASSWORD,
    waitMs: 10_000,
    ...extra,
  });
}

/** A raw broker connection to a hub, not logged in (its hello sent, the hub's received). */
export async function rawConnect(url: string): Promise<Broker> {
  const ws = new WebSocket(url);
  const transport = await new Promise<WsTransport>((resolve, reject) => {
    ws.once('open', () => resolve(new WsTransport(ws, url)));
    ws.once('error', reject);
  });
  const broker = new Broker({ transport });
  await broker.ready;
  return broker;
}
