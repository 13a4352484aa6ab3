import { resolve } from 'node:path';
import type { Logger } from '../shared/index.js';
import { createLogger } from '../shared/index.js';
import { UserStore } from './auth/users-file.js';
import { buildHub, type ZHub } from './build-hub.js';
import type { HubConfig } from './config.js';

/** Where the users file lives when not given: beside the data. */
export function defaultUsersFile(dataDir: string): string {
  return resolve(dataDir, 'hubpasswd.json');
}

/**
 * `zhub hub`: opens (or creates) the users file, builds the hub, listens, and shuts down
 * cleanly on SIGTERM/SIGINT (a second signal exits at once).
 */
export async function runHub(opts: HubConfig): Promise<{ zhub: ZHub; wsUrl: string; log: Logger }> {
  const log: Logger = createLogger({ level: opts.logLevel, pretty: process.stdout.isTTY });
  const usersFile = opts.users ?? defaultUsersFile(opts.data);
  const { store, generatedPassword } = await UserStore.open(usersFile);
  const zhub = await buildHub({
    logger: log,
    users: store,
    servicesDirs: opts.services,
    dataDir: opts.data,
    tracebacks: opts.tracebacks,
    limits: opts.limits,
    rpcLimits: opts.rpcLimits,
    dataLimits: opts.dataLimits,
    retention: opts.retention,
  });
  for (const name of opts.monitors) {
    if (!zhub.hub.env.store.model.getCollector(name))
      zhub.hub.env.model.putCollector({ name, properties: {} });
  }
  const address = await zhub.app.listen({ port: opts.port, host: opts.host });
  if (generatedPassword !== undefined) {
    // Printed once, here, and never logged: the file keeps only a salted hash.
    console.log(
      `\nCreated hub user 'admin' with password: ${generatedPassword}\n` +
        `(stored hashed in ${usersFile}; it is not shown again — manage users with 'zhub user')\n`,
    );
  }
  const wsUrl = address.replace(/^http/, 'ws') + '/hub';
  // The two addresses a newcomer needs, for people rather than for the log.
  console.log(`zhub: status page ${address}/  ·  daemons connect to ${wsUrl}`);
  log.info(
    { url: wsUrl, services: zhub.hub.registry.names() },
    `zhub hub listening; daemons connect to ${wsUrl}`,
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    zhub.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return { zhub, wsUrl, log };
}
