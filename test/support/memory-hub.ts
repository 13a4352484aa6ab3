import { Hub, StaticMonitors, UserStore, type HubCoreOptions } from '../../hub/index.js';
import { HubClient, type HubClientOptions } from '../../daemons/index.js';
import { builtinServices } from '../../services/index.js';
import { EchoService } from '../fixtures/services/echo-service.js';
import { ManualClock } from './manual-clock.js';
import { transportPair, type MemoryTransport } from './memory-transport.js';

export const MEMORY_PASSWORD = 'daemon-password';

/** A hub (logic only, no HTTP) reachable through in-memory transports, on a manual clock. */
export async function memoryHub(
  options: Partial<HubCoreOptions> & { staticMonitors?: string[] } = {},
) {
  const clock = new ManualClock();
  const users = new UserStore();
  await users.set('daemon', MEMORY_PASSWORD);
  const { staticMonitors, ...rest } = options;
  const hub = new Hub({
    users,
    clock,
    ...(staticMonitors ? { monitors: new StaticMonitors(staticMonitors) } : {}),
    limits: { loginTimeoutMs: 3_600_000 },
    ...rest,
  });
  for (const S of builtinServices) hub.registerService(S);
  hub.registerService(EchoService);
  const serverEnds: MemoryTransport[] = [];
  let refuse = false;
  const connector = (): Promise<MemoryTransport> => {
    if (refuse) return Promise.reject(new Error('connection refused'));
    const [client, server] = transportPair();
    serverEnds.push(server);
    hub.accept(server);
    return Promise.resolve(client);
  };
  return {
    hub,
    clock,
    serverEnds,
    connector,
    /** Timers the hub itself keeps (heartbeat check, retention). */
    hubTimers: clock.pending,
    setRefusing: (v: boolean) => (refuse = v),
    client(extra: Partial<HubClientOptions> = {}): HubClient {
      return new HubClient({
        url: 'memory://hub',
        username: 'daemon',
        password: MEMORY_PASSWORD,
        clock,
        connector,
        random: () => 0.5,
        ...extra,
      });
    },
    /** A started, connected client. */
    async connected(extra: Partial<HubClientOptions> = {}): Promise<HubClient> {
      const c = this.client(extra);
      c.start();
      await c.whenConnected();
      return c;
    },
  };
}
