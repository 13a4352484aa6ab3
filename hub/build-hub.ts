import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import cluster from 'node:cluster';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '../shared/index.js';
import { DEFAULT_RPC_LIMITS, PROTOCOL_VERSION, silentLogger } from '../shared/index.js';
import { USERS_FILE, UserStore, type UserChanges } from './auth/users-file.js';
import { UsersWatch } from './auth/users-watch.js';
import { Tickets } from './auth/tickets.js';
import { ApiAuth } from './http/api-auth.js';
import { audit, registerApiRoutes } from './http/api-routes.js';
import { hubStatus, registerStatusRoutes } from './http/status-routes.js';
import { registerUiRoutes } from './http/ui-routes.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import { Hub, type HubCoreOptions } from './hub.js';
import { ServiceWatch } from './service-watch.js';
import { serveDaemonUpgrades } from './daemon-endpoint.js';
import type { ServiceClass } from './hub-service.js';

export interface HubServerOptions extends Partial<HubCoreOptions> {
  /** The service classes to register (the built-in ones are added by `buildHub` from zhub). */
  services?: ServiceClass[];
  /** Folders of service modules to load (`--services DIR`). */
  servicesDirs?: string[];
  /**
   * Reload a service module of `servicesDirs` when it changes (`--watch`; default false):
   * daemons holding the old service get the new one by themselves.
   */
  watchServices?: boolean;
  /**
   * Watch the users file (when the users come from one) so that added, removed and re-keyed
   * users take effect at once (default true). `ZHub.reloadUsers()` reloads it on demand.
   */
  watchUsers?: boolean;
  /**
   * Serve HTTPS and WSS with this certificate and key (PEM). With `clientCa`, daemons may also
   * present a client certificate signed by it (mTLS); with `requireClientCert`, they must.
   */
  tls?: {
    cert: string | Buffer;
    key: string | Buffer;
    clientCa?: string | Buffer;
    requireClientCert?: boolean;
  };
  /**
   * Behind a TLS-terminating proxy: trust it (true, or its addresses/CIDRs) for the client
   * address (X-Forwarded-For) and the protocol (X-Forwarded-Proto: Secure cookies). Default off.
   */
  trustProxy?: boolean | string | string[];
  /** The WebSocket path daemons connect to (default `/hub`). */
  path?: string;
  /**
   * Data directory for the embedded SQLite store (ignored when `store` is given), and, when
   * `users` is not given, of the users file (`hubpasswd.json`, as `zhub hub` keeps it).
   * Default: in memory, with no users.
   */
  dataDir?: string;
  /**
   * Where the resumption tickets' key lives (`ticket.key`), so tickets outlive a restart
   * (default: `dataDir`; neither: a key of this process only).
   */
  ticketKeyDir?: string;
}

/** A built hub: the fastify app (not listening) and the hub logic behind `/hub`. */
export interface ZHub {
  app: FastifyInstance;
  hub: Hub;
  registerService(Class: ServiceClass, name?: string): string;
  /**
   * Shuts down: new connections and work are refused at once; calls in flight get up to
   * `drainMs` (default 5,000) to finish and be answered; then daemon connections, services,
   * the store and the HTTP server close. Later calls return the same promise.
   */
  close(drainMs?: number): Promise<void>;
  /** Reads the users file again now (SIGHUP): what changed takes effect at once. */
  reloadUsers(): Promise<UserChanges | undefined>;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host.startsWith('127.') || host === 'localhost';
}

/** The users file of a data directory, as `zhub hub` reads it; none there: no users (said once). */
async function usersOf(dataDir: string | undefined, log: Logger): Promise<UserStore> {
  if (dataDir === undefined) return new UserStore();
  const path = join(resolve(dataDir), USERS_FILE);
  try {
    return await UserStore.load(path);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'ENOENT') throw err;
    log.warn(
      { path },
      'no users file in the data directory: no daemon can log in until users are given',
    );
    return new UserStore();
  }
}

/**
 * Builds a hub: fastify with @fastify/websocket, the daemon endpoint at `/hub`, and the
 * services it is given (this layer knows no service of its own: `buildHub` from zhub adds the
 * built-in ones, as fastify's callers register plugins). Never listens: the caller does.
 */
export async function buildHubServer(options: HubServerOptions = {}): Promise<ZHub> {
  const log: Logger = options.logger ?? silentLogger();
  const store =
    options.store ??
    (options.dataDir === undefined
      ? undefined
      : new SqliteStore({
          dataDir: options.dataDir,
          logger: log,
          ...(options.clock ? { clock: options.clock } : {}),
        }));
  const hub = new Hub({
    ...options,
    ...(store ? { store } : {}),
    logger: log,
    users: options.users ?? (await usersOf(options.dataDir, log)),
  });
  // Resumption tickets, under the data directory's key (so they outlive a restart), else a
  // key of this process.
  const keyDir = options.ticketKeyDir ?? options.dataDir;
  hub.users.useTickets(
    keyDir === undefined
      ? new Tickets(randomBytes(32), hub.clock)
      : await Tickets.inDataDir(keyDir, hub.clock),
  );
  for (const Class of options.services ?? []) hub.registerService(Class);
  await hub.env.store.watchModel?.(hub.env.changes);
  for (const dir of options.servicesDirs ?? []) await hub.registry.loadDirectory(dir);
  const watcher =
    options.watchServices && options.servicesDirs?.length
      ? new ServiceWatch(options.servicesDirs, hub, hub.clock, log)
      : undefined;
  watcher?.start();

  const maxFrameBytes = options.rpcLimits?.maxFrameBytes ?? DEFAULT_RPC_LIMITS.maxFrameBytes;
  const limits = hub.limits;
  // Slowloris and silent sockets: the whole request head (a WebSocket upgrade included) must
  // arrive within headersTimeoutMs, checked every second; Node answers 408 and closes.
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs * 3,
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  };
  const tls = options.tls;
  const app = Fastify({
    ...(tls
      ? {
          https: {
            ...serverOptions,
            cert: tls.cert,
            key: tls.key,
            minVersion: 'TLSv1.2' as const,
            ...(tls.clientCa
              ? {
                  ca: tls.clientCa,
                  requestCert: true,
                  rejectUnauthorized: tls.requireClientCert ?? false,
                }
              : {}),
          },
        }
      : { http: serverOptions }),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  await app.register(websocket, {
    // ws closes a connection whose incoming message exceeds maxPayload with 1009.
    options: { maxPayload: maxFrameBytes, perMessageDeflate: false },
  });

  // The daemons' endpoint: taken on the raw upgrade, admitted, paced, upgraded by ws.
  const path = options.path ?? '/hub';
  serveDaemonUpgrades(app, hub, { path, trustProxy: options.trustProxy });
  hub.security.tls = tls !== undefined;
  hub.security.clientCerts =
    tls?.clientCa === undefined ? 'off' : tls.requireClientCert ? 'required' : 'optional';
  app.addHook('onListen', () => {
    const at = app.server.address();
    const host = typeof at === 'object' && at !== null ? at.address : '';
    hub.security.exposed = !isLoopback(host);
    if (hub.security.exposed && !hub.security.tls && !options.trustProxy) {
      hub.security.warning = `listening on ${host} without TLS: passwords and data cross the network in clear. Give the hub --tls-cert and --tls-key (zhub cert init makes them), or run it behind a TLS proxy with --trust-proxy`;
      log.warn({ host }, hub.security.warning);
    }
  });
  registerStatusRoutes(app, hub);
  const auth = new ApiAuth(hub.users, hub.limiter, hub.clock);
  hub.onUsersChanged((changes) => {
    auth.forget([...changes.removed, ...changes.changed]);
    for (const [what, names] of Object.entries(changes))
      if ((names as string[]).length > 0)
        void audit(
          hub.env,
          hub.clock.now(),
          'users-file',
          `users ${what}`,
          (names as string[]).join(','),
          undefined,
        ).catch((err: unknown) => log.error({ err }, 'could not write the audit log'));
  });
  const usersWatch = new UsersWatch(hub.users, (c) => hub.revokeUsers(c), hub.clock, log);
  if (options.watchUsers !== false) usersWatch.start();
  registerUiRoutes(app, auth);
  registerApiRoutes(
    app,
    hub.env,
    auth,
    () => hub.clock.now(),
    (page) => hubStatus(hub, page),
  );
  app.get('/api/info', () => ({
    name: 'zhub',
    protocol: PROTOCOL_VERSION,
    daemons: path,
    store: hub.env.store.kind,
    // Which of `zhub hub --workers N` answered (0: a hub without workers).
    worker: cluster.worker?.id ?? 0,
  }));

  let closed: Promise<void> | undefined;
  return {
    app,
    hub,
    registerService: (Class, name) => hub.registerService(Class, name),
    reloadUsers: () => usersWatch.reloadNow(),
    close: (drainMs?: number) =>
      (closed ??= (async () => {
        usersWatch.close();
        watcher?.close();
        await watcher?.settled();
        await hub.close(drainMs);
        await app.close();
      })()),
  };
}
