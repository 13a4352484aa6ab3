import cluster from 'node:cluster';
import type { Logger } from '../../shared/index.js';
import { createLogger, readConfigFile, ZHubError } from '../../shared/index.js';
import {
  defaultUsersFile,
  PgStore,
  UserStore,
  type HubServerOptions,
  type ZHub,
} from '../../hub/index.js';
import type { HubConfig } from '../../hub/config.js';
import { buildHub } from '../../services/index.js';
import { oneCoreAdvice } from './one-core.js';

/** The hub's TLS material from its files; both of cert and key, or neither. */
async function hubTls(opts: HubConfig): Promise<HubServerOptions['tls']> {
  if (opts.tlsCert === undefined && opts.tlsKey === undefined) {
    if (opts.tlsClientCa !== undefined)
      throw new ZHubError('HUB_ERR_CONFIG', '--tls-client-ca needs --tls-cert and --tls-key');
    return undefined;
  }
  if (opts.tlsCert === undefined || opts.tlsKey === undefined)
    throw new ZHubError('HUB_ERR_CONFIG', '--tls-cert and --tls-key go together');

  return {
    cert: await readConfigFile(opts.tlsCert, 'certificate (--tls-cert)'),
    key: await readConfigFile(opts.tlsKey, 'key (--tls-key)'),
    ...(opts.tlsClientCa
      ? { clientCa: await readConfigFile(opts.tlsClientCa, 'client CA (--tls-client-ca)') }
      : {}),
    requireClientCert: opts.tlsRequireClientCert,
  };
}

/**
 * `zhub hub`: opens (or creates) the users file, builds the hub, listens, and shuts down
 * cleanly on SIGTERM/SIGINT (a second signal exits at once).
 */
export async function runHub(opts: HubConfig): Promise<{ zhub: ZHub; wsUrl: string; log: Logger }> {
  const log: Logger = createLogger({ level: opts.logLevel, pretty: process.stdout.isTTY });
  const advice = oneCoreAdvice();
  if (advice !== undefined) log.warn({ cpus: 1 }, advice);
  const usersFile = opts.users ?? defaultUsersFile(opts.data);
  const { store: users, generatedPassword } = await UserStore.open(usersFile);
  const shared =
    opts.store === undefined ? undefined : await PgStore.open({ url: opts.store, logger: log });
  const tls = await hubTls(opts);
  const zhub = await buildHub({
    ...(tls ? { tls } : {}),
    ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
    logger: log,
    users,
    servicesDirs: opts.services,
    watchServices: opts.watch,
    ...(shared ? { store: shared } : { dataDir: opts.data }),
    ticketKeyDir: opts.data,
    tracebacks: opts.tracebacks,
    limits: opts.limits,
    rpcLimits: opts.rpcLimits,
    dataLimits: opts.dataLimits,
    retention: opts.retention,
    lanes: opts.lanes,
  });
  for (const name of opts.monitors) {
    if (!(await zhub.hub.env.store.model.getCollector(name)))
      await zhub.hub.env.model.putCollector({ name, properties: {} });
  }
  const address = await zhub.app.listen({ port: opts.port, host: opts.host });
  if (generatedPassword !== undefined) {
    // Written only now that the hub listens: a first start that fails (a port in use) leaves
    // no file, and the next start makes and prints a password again.
    await users.save();
  }
  if (generatedPassword !== undefined && cluster.isPrimary) {
    // Printed once, here, and never logged: the file keeps only a salted hash.
    console.log(
      `\nCreated hub user 'admin' with password: ${generatedPassword}\n` +
        `(stored hashed in ${usersFile}; it is not shown again — manage users with 'zhub user')\n`,
    );
  }
  const wsUrl = address.replace(/^http/, 'ws') + '/hub';
  if (zhub.hub.security.warning) console.warn(`\nWARNING: ${zhub.hub.security.warning}\n`);
  // The two addresses a newcomer needs, for people rather than for the log.
  const who = cluster.isWorker ? ` (worker ${cluster.worker?.id}, pid ${process.pid})` : '';
  console.log(`zhub: status page ${address}/  ·  daemons connect to ${wsUrl}${who}`);
  log.info(
    { url: wsUrl, services: zhub.hub.registry.names() },
    `zhub hub listening; daemons connect to ${wsUrl}`,
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      // A worker gets the terminal's signal and then its primary's: both mean "stop", once.
      if (cluster.isWorker) return;
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
  // The users file is watched; SIGHUP reads it again too (an editor that writes in place).
  process.on('SIGHUP', () => void zhub.reloadUsers());
  return { zhub, wsUrl, log };
}

/**
 * `zhub hub --workers N`: N hub processes sharing the listening port (node:cluster hands each
 * new connection to one of them). Only with the PostgreSQL store: every worker opens its own
 * pool on the shared database, and daemons on any worker see one model. A worker that dies is
 * started again after a second; SIGTERM/SIGINT stops them all (each shuts down cleanly).
 */
export async function runHubWorkers(opts: HubConfig): Promise<void> {
  const log: Logger = createLogger({ level: opts.logLevel, pretty: process.stdout.isTTY });
  if (opts.store === undefined) {
    throw new ZHubError(
      'HUB_ERR_CONFIG',
      '--workers needs the PostgreSQL store (--store postgres://…): the embedded SQLite store belongs to one process',
    );
  }
  // The users file is created here, once, before the workers read it.
  const usersFile = opts.users ?? defaultUsersFile(opts.data);
  const { store: created, generatedPassword } = await UserStore.open(usersFile);
  if (generatedPassword !== undefined) {
    // The workers read the file: it is written before they start, and the password shown now.
    await created.save();
    console.log(
      `\nCreated hub user 'admin' with password: ${generatedPassword}\n` +
        `(stored hashed in ${usersFile}; it is not shown again — manage users with 'zhub user')\n`,
    );
  }
  let stopping = false;
  const fork = (): void => {
    if (!stopping) cluster.fork();
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ worker: worker.id, code, signal }, 'hub worker died; starting another');
    setTimeout(fork, 1_000).unref();
  });
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'stopping the hub workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }, 12_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < opts.workers; i++) fork();
  log.info({ workers: opts.workers }, 'hub workers started');
}
