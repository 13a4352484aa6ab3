import type { ZHub } from '../../hub/index.js';
import type { HubClient } from '../../daemons/index.js';
import { ZHubError } from '../../shared/index.js';
import type { ClientFlags } from './options.js';

/** A connected client for a one-shot command, with the embedded hub when asked; `close()` ends both. */
export async function openClient(
  flags: ClientFlags,
): Promise<{ client: HubClient; close(): Promise<void> }> {
  let embedded: ZHub | undefined;
  let url = flags.hub;
  let user = flags.user;
  let password = flags.password;
  if (flags.embedded) {
    // Loaded here: only an embedded hub needs the hub (and its native SQLite module).
    const { randomPassword, UserStore } = await import('../../hub/index.js');
    const { buildHub } = await import('../../services/index.js');
    const users = new UserStore();
    user = 'embedded';
    password = randomPassword();
    await users.set(user, password);
    embedded = await buildHub({ users });
    const address = await embedded.app.listen({ port: 0, host: '127.0.0.1' });
    url = `${address.replace(/^http/, 'ws')}/hub`;
  }
  if (password === undefined) {
    throw new ZHubError(
      'HUB_ERR_CONFIG',
      'no password: pass --password or set ZHUB_PASSWORD (or use --embedded)',
    );
  }
  const { connectHub } = await import('../../daemons/index.js');
  const { clientTlsFiles } = await import('../../daemons/main.js');
  const tls = await clientTlsFiles(flags);
  try {
    const client = await connectHub({
      ...(tls ? { tls } : {}),
      url,
      username: user,
      password,
      monitor: flags.monitor,
      type: 'cli',
      waitMs: flags.timeout,
      limits: { connectTimeoutMs: flags.timeout },
      rpcLimits: { callTimeoutMs: flags.timeout },
    });
    return {
      client,
      close: async () => {
        client.close();
        await embedded?.close();
      },
    };
  } catch (err) {
    await embedded?.close();
    throw err;
  }
}
