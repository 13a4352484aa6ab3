import { hostname } from 'node:os';
import type {
  Clock,
  HubLimits,
  Logger,
  RpcLimits,
  TimerHandle,
  Transport,
} from '../shared/index.js';
import {
  Broker,
  CloseCode,
  DEFAULT_HUB_LIMITS,
  DEFAULT_WORKER_POOL,
  silentLogger,
  systemClock,
  ZHubError,
} from '../shared/index.js';
import { LoginGuard } from './auth/login-guard.js';
import { UpgradeLimiter } from './auth/upgrade-limiter.js';
import type { UserChanges, UserStore } from './auth/users-file.js';
import { HubAvatar, type ServiceBroker } from './hub-avatar.js';
import type { HubService, ServiceClass } from './hub-service.js';
import { LoginRoot, type LoginAuthority, type LoginInfo } from './login-root.js';
import { StoreMonitors, type MonitorDirectory } from './monitors.js';
import { ServiceRegistry } from './service-registry.js';
import { Session } from './session.js';
import { DaemonLogin } from './daemon-login.js';
import { createEnvironment } from './environment-factory.js';
import { FleetRecord } from './fleet-record.js';
import { DEFAULT_DATA_LIMITS, type DataLimits, type HubEnvironment } from './hub-environment.js';
import { DEFAULT_RETENTION, Retention, type RetentionOptions } from './retention.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';
import { LaneRoutes } from './lanes/lane-routes.js';
import { WorkerLanes, type LanesOptions, type LanesStatus } from './lanes/worker-lanes.js';
import type { UpgradePacer } from './upgrade-pacer.js';
import type { UpgradeRefusal } from './hub-metrics.js';

export interface HubCoreOptions {
  users: UserStore;
  logger?: Logger;
  clock?: Clock;
  monitors?: MonitorDirectory;
  limits?: Partial<HubLimits>;
  rpcLimits?: Partial<RpcLimits>;
  /** Send error stacks to daemons (off by default: stacks can reveal internals). */
  tracebacks?: boolean;
  /** The store; the hub owns it and closes it. Default: an in-memory SQLite store. */
  store?: Store;
  dataLimits?: Partial<DataLimits>;
  retention?: Partial<RetentionOptions>;
  /**
   * Worker lanes: threads, routing and per-lane limits (see docs/operations.md#worker-lanes).
   * Default: 2 threads, started when a call routed to a worker lane comes, for a store on
   * disk or PostgreSQL; with an in-memory store every call runs on the loop.
   */
  lanes?: LanesOptions;
}

/** How the hub is reachable: shown on /api/status and the status page. */
export interface HubSecurity {
  /** HTTPS and WSS. */
  tls: boolean;
  /** Client certificates for daemons (mTLS). */
  clientCerts: 'off' | 'optional' | 'required';
  /** Listening on an address other than loopback. */
  exposed: boolean;
  /** Set when exposed without TLS: said loudly at start, on /api/status and the status page. */
  warning: string | null;
}

let hubsInProcess = 0;

/**
 * The hub's connection logic, independent of HTTP: it accepts transports, runs login, and
 * hands out services. `buildHub` wires it to fastify; tests may drive it with in-memory
 * transports.
 */
export class Hub implements LoginAuthority, ServiceBroker {
  readonly registry: ServiceRegistry;
  /** This hub process among several sharing a store: host and pid, as operators see it. */
  readonly name = `${hostname()}:${process.pid}${++hubsInProcess > 1 ? `#${hubsInProcess}` : ''}`;
  readonly sessions = new Set<Session>();
  /** Daemons that left recently and the shared fleet's rows. */
  readonly fleet: FleetRecord;
  readonly limits: HubLimits;
  readonly log: Logger;
  readonly env: HubEnvironment;
  private readonly retention: Retention;
  readonly clock: Clock;
  readonly users: UserStore;
  private readonly monitors: MonitorDirectory;
  /** Failed-login limits, shared by daemon logins and the HTTP API. */
  readonly limiter: LoginGuard;
  /** Upgrade rate and not-yet-logged-in connections per address. */
  readonly upgrades: UpgradeLimiter;
  /** The queue of admitted upgrades waiting for their turn (set by the server that feeds it). */
  upgradeQueue: UpgradePacer | undefined;
  private readonly loginTimers = new Map<Session, TimerHandle>();
  private readonly daemonLogin: DaemonLogin;
  private readonly usersChanged = new Set<(changes: UserChanges) => void>();
  /** How the hub is exposed (set when it is built and when it listens); on /api/status. */
  readonly security: HubSecurity = {
    tls: false,
    clientCerts: 'off',
    exposed: false,
    warning: null,
  };
  private nextSessionId = 1;
  private closing = false;
  /** Worker lanes; undefined when every call runs on the loop (`lanesOff` says why). */
  readonly lanes: WorkerLanes | undefined;
  private readonly lanesOff: string | null;

  constructor(private readonly options: HubCoreOptions) {
    this.log = options.logger ?? silentLogger();
    this.clock = options.clock ?? systemClock;
    this.users = options.users;
    this.limits = { ...DEFAULT_HUB_LIMITS, ...options.limits };
    const store: Store =
      options.store ??
      new SqliteStore({ dataDir: ':memory:', clock: this.clock, logger: this.log });
    this.env = createEnvironment(
      store,
      this.clock,
      this.log,
      { ...DEFAULT_DATA_LIMITS, ...options.dataLimits },
      {
        inFlight: () => [...this.sessions].reduce((n, s) => n + s.broker.inFlight, 0),
        daemons: () => [...this.sessions].filter((s) => s.loggedIn).length,
        connections: () => this.sessions.size,
        upgrades: () => this.upgradeFigures(),
      },
    );
    this.fleet = new FleetRecord(store.fleet, this.name, this.clock, this.log);
    this.env.heartbeats.start();
    this.retention = new Retention(store, this.clock, this.log, {
      ...DEFAULT_RETENTION,
      ...options.retention,
    });
    this.retention.start();
    this.monitors = options.monitors ?? new StoreMonitors(store, () => this.clock.now());
    this.registry = new ServiceRegistry(this.log, this.clock, this.env);
    const lanes = options.lanes ?? {};
    new LaneRoutes(lanes.routes); // a bad route is a configuration error, lanes or not
    const spec = store.workerSpec?.();
    const threads = lanes.threads ?? DEFAULT_WORKER_POOL.threads;
    this.lanesOff =
      spec === undefined
        ? 'the store is in memory: worker threads cannot open it, so every call runs on the loop'
        : threads === 0
          ? 'lanes.threads is 0: every call runs on the loop'
          : null;
    this.lanes =
      this.lanesOff === null && spec !== undefined
        ? new WorkerLanes(
            lanes,
            spec,
            this.registry,
            this.env.metrics,
            this.clock,
            this.log,
            this.env.limits as unknown as Record<string, unknown>,
          )
        : undefined;
    this.limiter = new LoginGuard(this.clock, this.limits);
    this.upgrades = new UpgradeLimiter(
      this.clock,
      this.limits.upgradesPerSecondPerAddress,
      this.limits.maxPendingLoginsPerAddress,
      this.limits.loginLimiterEntries,
    );
    this.daemonLogin = new DaemonLogin(
      this.users,
      this.limiter,
      this.upgrades,
      this.limits,
      this.clock,
      this.log,
    );
  }

  /** Registers a service class (name: its static `serviceName`, else the class name). */
  registerService(Class: ServiceClass, name?: string): string {
    return this.registry.register(Class, name);
  }

  /** Upgrades waiting for their turn, and those refused so far by reason (metrics, status). */
  upgradeFigures(): { waiting: number; refused: Record<UpgradeRefusal, number> } {
    const q = this.upgradeQueue;
    return {
      waiting: q?.waiting ?? 0,
      refused: {
        rate: this.upgrades.stats.refusedRate,
        pending: this.upgrades.stats.refusedPending,
        full: q?.stats.refusedFull ?? 0,
        waited: q?.stats.refusedWaited ?? 0,
      },
    };
  }

  /** True when another connection may be accepted. */
  get accepting(): boolean {
    return !this.closing && this.sessions.size < this.limits.maxConnections;
  }

  /** Takes over a new connection: its broker, its login deadline, its cleanup. */
  accept(transport: Transport): Session {
    const session = new Session(this.nextSessionId++, transport.remoteAddress, this.clock.now());
    session.broker = new Broker({
      transport,
      root: new LoginRoot(this, session),
      clock: this.clock,
      logger: this.log,
      logBindings: { session: session.id },
      limits: this.options.rpcLimits,
      tracebacks: this.options.tracebacks ?? false,
      caller: session,
      // Our hello goes with the login's answer: one frame less per daemon connect.
      helloAfterPeer: true,
      observer: this.env.metrics.observeCall,
      ...(this.lanes ? { invoker: this.lanes.invoke } : {}),
    });
    if (!this.accepting) {
      const why = this.closing ? 'hub shutting down' : 'too many connections';
      session.broker.abort(
        this.closing ? 'HUB_ERR_SHUTTING_DOWN' : 'HUB_ERR_TOO_MANY_CONNECTIONS',
        CloseCode.SHUTTING_DOWN,
        why,
      );
      return session;
    }
    this.sessions.add(session);
    this.upgrades.opened(session.address);
    this.loginTimers.set(
      session,
      this.clock.setTimeout(() => {
        this.loginTimers.delete(session);
        if (!session.loggedIn) {
          session.broker.abort(
            'HUB_ERR_LOGIN_TIMEOUT',
            CloseCode.LOGIN_TIMEOUT,
            'no login in time',
          );
        }
      }, this.limits.loginTimeoutMs),
    );
    session.broker.onClose((info) => {
      this.sessions.delete(session);
      if (!session.loggedIn) this.upgrades.settled(session.address);
      else this.env.claims.release(session);
      this.clearLoginTimer(session);
      this.fleet.left(session, info.code, info.error);
    });
    return session;
  }

  /** @internal LoginAuthority */
  async login(
    session: Session,
    username: string,
    password: string,
    info: LoginInfo,
  ): Promise<HubAvatar> {
    await this.daemonLogin.login(session, username, password, info);
    this.clearLoginTimer(session);
    return new HubAvatar(this, session);
  }

  /** @internal ServiceBroker */
  issueTicket(session: Session): { ticket: string; expiresAt: number } | undefined {
    return session.loggedIn ? this.users.issueTicket(session.user) : undefined;
  }

  async getService(session: Session, name: string, monitor: string): Promise<HubService> {
    if (this.closing) throw new ZHubError('HUB_ERR_SHUTTING_DOWN', 'the hub is shutting down');
    if (!this.registry.has(name))
      throw new ZHubError('HUB_ERR_NO_SUCH_SERVICE', `no service named '${name.slice(0, 100)}'`);
    // Roles: operators work through the status page and the API, not as daemons; a collector
    // user gets the services of its own monitors only.
    if (session.role === 'operator')
      throw new ZHubError(
        'HUB_ERR_FORBIDDEN',
        `user '${session.user}' is an operator: no daemon services`,
      );
    if (session.role === 'collector' && session.monitors && !session.monitors.includes(monitor))
      throw new ZHubError(
        'HUB_ERR_FORBIDDEN',
        `user '${session.user}' may use monitor${session.monitors.length === 1 ? '' : 's'} ${session.monitors.join(', ')}, not '${monitor.slice(0, 64)}'`,
      );
    if (!(await this.monitors.has(monitor))) {
      throw new ZHubError('HUB_ERR_NO_SUCH_MONITOR', `no monitor named '${monitor.slice(0, 100)}'`);
    }
    this.fleet.joined(session, monitor);
    return this.registry.instance(name, monitor);
  }

  /** @internal ServiceBroker */
  serviceNames(): string[] {
    return this.registry.names();
  }

  /**
   * The users file changed (a reload): every connection of a removed user, or of one whose
   * password changed, is closed with HUB_ERR_CREDENTIALS_REVOKED, and the listeners (the HTTP
   * side: cached API logins, status-page sessions) are told. Answers the connections closed.
   */
  revokeUsers(changes: UserChanges): number {
    const revoked = new Set([...changes.removed, ...changes.changed]);
    let closed = 0;
    if (revoked.size > 0) {
      for (const session of [...this.sessions]) {
        if (!session.loggedIn || !revoked.has(session.user)) continue;
        closed++;
        session.broker.abort(
          'HUB_ERR_CREDENTIALS_REVOKED',
          CloseCode.CREDENTIALS_REVOKED,
          `user '${session.user}' was ${changes.removed.includes(session.user) ? 'removed' : 'given a new password'}`,
        );
      }
    }
    for (const cb of this.usersChanged) cb(changes);
    this.log.info({ ...changes, closed }, 'users file reloaded');
    return closed;
  }

  /** Runs `cb` after each reload of the users (see revokeUsers). */
  onUsersChanged(cb: (changes: UserChanges) => void): void {
    this.usersChanged.add(cb);
  }

  /**
   * Loads a changed service module again (`--watch`): its new services replace the old ones,
   * whose instances are closed and revoked on every connection, so daemons holding them see
   * their references die and get the new service by themselves. A module that cannot be used
   * leaves the old services serving, and the log says why.
   */
  async reloadServiceModule(path: string, root: string): Promise<boolean> {
    if (this.closing) return false;
    try {
      const { names, retired } = await this.registry.reloadModule(path, root);
      let revoked = 0;
      for (const session of this.sessions)
        for (const svc of retired) if (session.broker.revoke(svc)) revoked++;
      this.log.info({ module: path, services: names, revoked }, 'service module reloaded');
      return true;
    } catch (err) {
      this.log.error(
        { err, module: path },
        `service module not reloaded, the old services keep serving: ${(err as Error).message}`,
      );
      return false;
    }
  }

  /**
   * Shuts down: refuses new connections and new work at once, lets the calls in flight finish
   * (ingest batches commit and are answered) for up to `drainMs`, then tells every daemon the
   * hub is going and closes their connections, the services and the store.
   */
  async close(drainMs = 5_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const until = performance.now() + drainMs;
    const inFlight = (): number => [...this.sessions].reduce((n, s) => n + s.broker.inFlight, 0);
    while (inFlight() > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    this.env.ingest.flushNow();
    await new Promise((r) => setImmediate(r)); // the last answers leave before the goodbyes
    for (const session of [...this.sessions]) {
      session.broker.abort('HUB_ERR_SHUTTING_DOWN', CloseCode.SHUTTING_DOWN, 'hub shutting down');
    }
    for (const session of [...this.loginTimers.keys()]) this.clearLoginTimer(session);
    await this.lanes?.close();
    await this.registry.close();
    this.env.heartbeats.close();
    this.env.metrics.close();
    this.retention.close();
    await this.env.store.close();
  }

  /** The lanes and workers (for /api/status, the status page and `zhub status --workers`). */
  lanesStatus(): LanesStatus {
    return (
      this.lanes?.status() ?? {
        active: false,
        reason: this.lanesOff,
        threads: 0,
        lanes: [],
        workers: [],
        restarts: { deadline: 0, died: 0, recycled: 0, startFailed: 0 },
      }
    );
  }

  private clearLoginTimer(session: Session): void {
    const t = this.loginTimers.get(session);
    if (t !== undefined) this.clock.clearTimeout(t);
    this.loginTimers.delete(session);
  }
}
