// The client's connection state machine (connect, handshake, login, keep-alive, backoff over
// several hub URLs, fatal errors, close), about 550 lines on purpose: its transitions read best
// in one place. The services it holds are in service-set.ts, their proxies in
// service-proxy.ts, the waits for a connection in connect-waits.ts.
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type {
  Clock,
  ClientLimits,
  CloseInfo,
  Contract,
  Logger,
  RpcLimits,
  TimerHandle,
} from '../shared/index.js';
import {
  Backoff,
  Broker,
  CloseCode,
  LateTransport,
  DEFAULT_CLIENT_LIMITS,
  DEFAULT_RPC_LIMITS,
  Referenceable,
  RemoteReference,
  silentLogger,
  systemClock,
  ZHubError,
} from '../shared/index.js';
import type { ServiceProxy } from './service-proxy.js';
import { ConnectWaits, connectTimeout } from './connect-waits.js';
import { ServiceSet } from './service-set.js';
import { serviceHandle, type HandleOptions, type ServiceHandle } from './service-handle.js';
import { wsConnector, type ClientTls, type Connector } from './ws-connect.js';

export interface HubClientOptions {
  /**
   * The hub's daemon endpoint, e.g. `ws://127.0.0.1:8789/hub`; or several, comma-separated,
   * for hubs sharing one store: the client fails over to the next when its hub goes away.
   */
  url: string;
  username: string;
  password: string;
  /** The monitor (collector) whose services this daemon uses (default `localhost`). */
  monitor?: string;
  /** This daemon's name, shown on the hub (default `<type>@<hostname>`). */
  name?: string;
  /** Collector type, e.g. `port` (default `daemon`). */
  type?: string;
  /** The id of this daemon's spool, sent at login (HubDaemon sets it). */
  instance?: string;
  /** What the hub reaches as this daemon's root object. */
  root?: Referenceable;
  clock?: Clock;
  logger?: Logger;
  limits?: Partial<ClientLimits>;
  rpcLimits?: Partial<RpcLimits>;
  /** Opens transports; defaults to `ws`. */
  connector?: Connector;
  /** For a `wss://` hub: the CA to verify it with (default: the system's), and a client certificate. */
  tls?: ClientTls;
  /**
   * Send the first frame (hello and login) in the WebSocket upgrade request, sparing a round
   * trip and a write (default true; a hub that does not take it gets it over the socket).
   */
  frameInUpgrade?: boolean;
  /** Random source for backoff jitter (tests). */
  random?: () => number;
  /**
   * Reconnect after the connection drops or an attempt fails (default true). With false the
   * client tries once and closes when the connection ends (`disconnect`, then state `closed`).
   */
  reconnect?: boolean;
}

/** How a service is got: a listener the hub may push to, and options for the service. */
export interface GetServiceOptions {
  /** A Referenceable registered with the service now and after every reconnect. */
  listener?: Referenceable;
  /** Passed to the service with the listener. */
  options?: unknown;
}

export type ClientState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'failed' | 'closed';

/** Error codes after which retrying cannot help: the client stops and reports. */
const FATAL = new Set([
  'HUB_ERR_AUTH_FAILED',
  'HUB_ERR_PROTOCOL_VERSION',
  'HUB_ERR_NO_SUCH_SERVICE',
  'HUB_ERR_NO_SUCH_MONITOR',
  'HUB_ERR_BAD_ARGUMENT',
  'HUB_ERR_CONFIG',
  'HUB_ERR_SUPERSEDED',
  'HUB_ERR_FORBIDDEN',
]);

export interface HubClientEvents {
  connect: [{ url: string; reconnect: boolean }];
  disconnect: [CloseInfo];
  reconnecting: [{ delayMs: number; error: Error }];
  fatal: [ZHubError];
}

/**
 * A daemon's connection to the hub: connect, log in, acquire services; keep-alive pings;
 * reconnect with backoff, logging in again and re-acquiring every service (with its
 * listener) by itself, so user code keeps working. A fatal error (bad credentials, unknown
 * service) stops retrying and is reported through the `fatal` event.
 *
 * `connect` is emitted after the promise callbacks of the turn that connected, so a listener
 * attached right after `connectHub()` resolves hears the first connection too; `close()`
 * called in a `disconnect` listener stops the client for good.
 */
export class HubClient extends EventEmitter<HubClientEvents> {
  /** The hub's resumption ticket from the last login (memory only). */
  private ticket: string | undefined;
  private _state: ClientState = 'idle';
  private broker: Broker | undefined;
  private avatar: RemoteReference | undefined;
  private readonly services: ServiceSet;
  private readonly backoff: Backoff;
  private readonly limits: ClientLimits;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly connector: Connector;
  private readonly root: Referenceable;
  private retryTimer: TimerHandle | undefined;
  private pingTimer: TimerHandle | undefined;
  private everConnected = false;
  private failure: ZHubError | undefined;
  private lastError: Error | undefined;
  private readonly waits: ConnectWaits;
  /** The hub URLs in the order given, and the one in use (or tried next). */
  readonly urls: readonly string[];
  private urlIndex = 0;
  /** URLs tried without success since the last connection: a full round backs off. */
  private triedThisRound = 0;

  readonly monitor: string;
  readonly name: string;
  readonly type: string;

  constructor(private readonly options: HubClientOptions) {
    super();
    this.limits = { ...DEFAULT_CLIENT_LIMITS, ...options.limits };
    this.clock = options.clock ?? systemClock;
    this.waits = new ConnectWaits(this.clock, (ms) => connectTimeout(this.url, ms, this.lastError));
    this.log = options.logger ?? silentLogger();
    this.monitor = options.monitor ?? 'localhost';
    this.services = new ServiceSet(
      this.monitor,
      {
        avatar: () => (this._state === 'connected' ? this.avatar : undefined),
        whenConnected: () => this.whenConnected(),
      },
      this.log,
    );
    this.type = options.type ?? 'daemon';
    this.name = options.name ?? `${this.type}@${hostname()}`;
    this.root = options.root ?? new Referenceable();
    this.urls = options.url
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u.length > 0);
    if (this.urls.length === 0) this.urls = [options.url];
    this.backoff = new Backoff({
      baseMs: this.limits.reconnectBaseMs,
      factor: this.limits.reconnectFactor,
      maxMs: this.limits.reconnectMaxMs,
      ...(options.random ? { random: options.random } : {}),
    });
    this.connector =
      options.connector ??
      wsConnector({
        maxFrameBytes: options.rpcLimits?.maxFrameBytes ?? DEFAULT_RPC_LIMITS.maxFrameBytes,
        handshakeTimeoutMs: this.limits.connectTimeoutMs,
        ...(options.tls ? { tls: options.tls } : {}),
      });
  }

  get state(): ClientState {
    return this._state;
  }

  /** The hub URL in use, or the one tried next. */
  get url(): string {
    return this.urls[this.urlIndex] as string;
  }

  /** The current connection's broker (undefined between connections). */
  get connection(): Broker | undefined {
    return this.broker;
  }

  /** Starts connecting in the background. */
  start(): void {
    if (this._state !== 'idle') return;
    void this.attempt();
  }

  /**
   * Resolves once connected and logged in; rejects on a fatal error, on close, or after
   * `timeoutMs` (HUB_ERR_TIMEOUT, naming the last connection error). Waits begun in one turn
   * with the same timeout share one promise and timer (a daemon asks for its services so).
   */
  whenConnected(timeoutMs = this.limits.connectTimeoutMs): Promise<void> {
    if (this._state === 'connected') return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    if (this._state === 'closed')
      return Promise.reject(new ZHubError('HUB_ERR_NOT_CONNECTED', 'client closed'));
    return this.waits.wait(timeoutMs);
  }

  /**
   * The service `name` of this client's monitor, as a proxy that survives reconnects. A
   * `listener` (a Referenceable) is registered with the service now and after every reconnect.
   */
  getService(name: string, opts?: GetServiceOptions): Promise<ServiceProxy>;
  /** The service a contract describes, as a typed handle (see ServiceHandle). */
  getService<C extends Contract>(
    contract: C,
    opts?: GetServiceOptions & HandleOptions,
  ): Promise<ServiceHandle<C>>;
  async getService(
    target: string | Contract,
    opts: GetServiceOptions & HandleOptions = {},
  ): Promise<ServiceProxy | ServiceHandle<Contract>> {
    if (typeof target === 'string') return this.proxyFor(target, opts);
    return serviceHandle(await this.proxyFor(target.service, opts), target, opts);
  }

  private proxyFor(name: string, opts: GetServiceOptions): Promise<ServiceProxy> {
    return this.services.get(name, opts);
  }

  /** The logged-in avatar (ping, getService, listServices, whoami), if connected. */
  get hub(): RemoteReference | undefined {
    return this._state === 'connected' ? this.avatar : undefined;
  }

  /** Stops for good: no reconnect, pending calls rejected, timers cleared. */
  close(): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this.clearTimers();
    this.broker?.close(CloseCode.NORMAL, 'daemon closing');
    this.broker = undefined;
    this.avatar = undefined;
    this.services.detach();
    this.settleWaiters(new ZHubError('HUB_ERR_NOT_CONNECTED', 'client closed'));
  }

  // ---- connection cycle ----------------------------------------------------------------------

  private async attempt(): Promise<void> {
    if (this._state === 'closed' || this._state === 'failed') return;
    this._state = 'connecting';
    // The rest of this turn first: services asked for right after start() (or in the turn of
    // a disconnect) travel with the login the first frame carries.
    await new Promise<void>((r) => setImmediate(r));
    if (this.isStopped()) return;
    let broker: Broker | undefined;
    let loggingIn: Promise<unknown> | undefined;
    try {
      // The broker is made before the socket: its first frame (our hello and the login, with
      // the services held or asked for before the connection was up) travels in the upgrade
      // request, and the hub answers the login in its first frame. The hub reads the hello
      // first; a hub that refuses it (another protocol version) fails the handshake, and that
      // is the error reported.
      const late = new LateTransport(this.url);
      broker = new Broker({
        transport: late,
        root: this.root,
        clock: this.clock,
        logger: this.log,
        limits: { handshakeTimeoutMs: this.limits.connectTimeoutMs, ...this.options.rpcLimits },
      });
      const b = broker;
      // Made apart: a closure of this scope would hold all of the attempt for the connection.
      broker.onClose(this.disconnectHandler(broker));
      // Bounded by the broker's own handshake timer (connectTimeoutMs, from now).
      const handshake = broker.ready;
      const wanted = this.services.wanted();
      const login = (secret: string): Promise<unknown> =>
        b
          .remoteRoot()
          .callRemoteWithOptions<unknown>(
            { timeoutMs: this.limits.connectTimeoutMs },
            'login',
            this.options.username,
            secret,
            {
              name: this.name,
              type: this.type,
              ...(this.options.instance ? { instance: this.options.instance } : {}),
              ...(wanted.args.length > 0 ? { services: wanted.args } : {}),
            },
          );
      // A resumption ticket from the last login spares the hub a scrypt; one it no longer
      // takes (expired, the password changed, another hub's key) falls back to the password.
      const ticket = this.ticket;
      loggingIn =
        ticket === undefined
          ? login(this.options.password)
          : login(ticket).catch((err: unknown) => {
              if ((err as Partial<ZHubError>).code !== 'HUB_ERR_AUTH_FAILED') throw err;
              this.ticket = undefined;
              return login(this.options.password);
            });
      // Awaited once connected; until then a failure (the connect's, or the broker's
      // handshake timer) is reported by what fails first.
      loggingIn.catch(() => undefined);
      broker.flush();
      const upgradeFrame =
        this.options.frameInUpgrade === false ? undefined : late.takeUpgradeFrame();
      const transport = await this.withDeadline(
        this.connector(this.url, upgradeFrame !== undefined ? { upgradeFrame } : undefined),
        'connect',
      );
      if (this.isStopped()) {
        transport.close(CloseCode.NORMAL, 'daemon closing');
        broker.close(CloseCode.NORMAL, 'daemon closing');
        loggingIn.catch(() => undefined);
        return;
      }
      late.bind(transport, upgradeFrame !== undefined && transport.upgradeFrameTaken === true);
      try {
        await handshake;
      } catch (err) {
        loggingIn.catch(() => undefined);
        throw err;
      }
      const { avatar, prefetched } = loginAnswer(await loggingIn, wanted.proxies);
      this.refreshTicket(avatar);
      await this.services.reacquire(avatar, prefetched);
      if (this.isStopped() || broker.closed) {
        broker.close();
        if (!this.isStopped())
          throw new ZHubError('HUB_ERR_CONNECTION_LOST', 'connection lost during login');
        return;
      }
      this.broker = broker;
      this.avatar = avatar;
      this._state = 'connected';
      this.backoff.reset();
      this.triedThisRound = 0;
      this.lastError = undefined;
      const reconnect = this.everConnected;
      this.everConnected = true;
      this.log.info({ url: this.url, reconnect }, 'connected to the hub');
      this.schedulePing();
      this.settleWaiters();
      // After the turn's promise callbacks: code that awaited connectHub() / whenConnected()
      // has attached its listeners by then and hears this first connect too.
      setImmediate(() => {
        if (this.broker === broker && this._state === 'connected')
          this.emit('connect', { url: this.url, reconnect });
      });
    } catch (err) {
      loggingIn?.catch(() => undefined);
      broker?.close(CloseCode.NORMAL, 'login failed');
      this.connectFailed(err as Error);
    }
  }

  /**
   * Asks for a resumption ticket after a password login (machine tokens are cheap already),
   * in the background; kept in memory only. A hub without tickets answers null.
   */
  private refreshTicket(avatar: RemoteReference): void {
    if (this.options.password.startsWith('zt_')) return;
    avatar
      .callRemoteWithOptions<{ ticket: string } | null>(
        { timeoutMs: this.limits.connectTimeoutMs },
        'resumptionTicket',
      )
      .then(
        (t) => {
          this.ticket = typeof t?.ticket === 'string' ? t.ticket : undefined;
        },
        () => undefined, // an older hub: log in with the password
      );
  }

  private connectFailed(err: Error): void {
    if (this.isStopped()) return;
    const code = (err as Partial<ZHubError>).code;
    if (code !== undefined && FATAL.has(code)) {
      this._state = 'failed';
      this.failure = err instanceof ZHubError ? err : new ZHubError(code, err.message);
      this.log.error({ err, url: this.url }, 'cannot use the hub; not retrying');
      this.settleWaiters(this.failure);
      this.emit('fatal', this.failure);
      return;
    }
    this.lastError = err;
    if (this.options.reconnect === false) {
      // One attempt only: waiters hear why it failed.
      this.log.warn({ err, url: this.url }, 'could not connect; not retrying (reconnect: false)');
      const why =
        err instanceof ZHubError
          ? err
          : new ZHubError('HUB_ERR_NOT_CONNECTED', err.message, { cause: err });
      this.settleWaiters(why);
      this.close();
      return;
    }
    this.scheduleRetry(err);
  }

  private disconnectHandler(broker: Broker): (info: CloseInfo) => void {
    return (info) => this.onDisconnected(broker, info);
  }

  private onDisconnected(broker: Broker, info: CloseInfo): void {
    if (broker !== this.broker) return; // a failed attempt; connectFailed handles it
    this.broker = undefined;
    this.avatar = undefined;
    this.services.detach();
    this.clearTimers();
    if (this.isStopped()) return;
    this.log.warn(
      { code: info.code, reason: info.reason, err: info.error },
      'disconnected from the hub',
    );
    this.emit('disconnect', info);
    if (this.isStopped()) return; // close() in a disconnect listener sticks
    if (this.options.reconnect === false) {
      this.close();
      return;
    }
    if (info.error?.code === 'HUB_ERR_SUPERSEDED') {
      // Another process logged in under this daemon's name: retrying would only take turns.
      this.connectFailed(info.error);
      return;
    }
    this.lastError =
      info.error ?? new ZHubError('HUB_ERR_CONNECTION_LOST', `closed (${info.code})`);
    this.scheduleRetry(this.lastError);
  }

  private scheduleRetry(error: Error): void {
    this._state = 'waiting';
    // Failover: the next URL at once (with a little jitter, so a fleet does not arrive in one
    // instant); backing off only once every URL failed in a row.
    this.triedThisRound++;
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    const roundDone = this.triedThisRound >= this.urls.length;
    if (roundDone) this.triedThisRound = 0;
    let delayMs = roundDone
      ? this.backoff.next()
      : Math.floor(this.limits.reconnectBaseMs * (this.options.random ?? Math.random)());
    const retryAfter = (error as { data?: { retryAfterMs?: unknown } }).data?.retryAfterMs;
    if (typeof retryAfter === 'number' && retryAfter > delayMs)
      delayMs = Math.min(retryAfter, this.limits.reconnectMaxMs);
    this.log.info({ delayMs, err: error }, 'reconnecting after a pause');
    this.emit('reconnecting', { delayMs, error });
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.attempt();
    }, delayMs);
  }

  private schedulePing(): void {
    this.pingTimer = this.clock.setTimeout(() => {
      this.pingTimer = undefined;
      const broker = this.broker;
      const avatar = this.avatar;
      if (!broker || !avatar) return;
      avatar.callRemoteWithOptions({ timeoutMs: this.limits.pingTimeoutMs }, 'ping').then(
        () => {
          if (this.broker === broker) this.schedulePing();
        },
        (err: unknown) => {
          if (this.broker !== broker) return;
          // The hub stopped answering (frozen, or a black-holed network): drop the link now.
          this.log.warn({ err }, 'hub did not answer the keep-alive ping');
          broker.abort('HUB_ERR_TIMEOUT', CloseCode.PING_TIMEOUT, 'keep-alive ping timed out');
        },
      );
    }, this.limits.pingIntervalMs);
  }

  private withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(
        () =>
          reject(
            new ZHubError(
              'HUB_ERR_TIMEOUT',
              `${what} with ${this.url} took over ${this.limits.connectTimeoutMs} ms`,
            ),
          ),
        this.limits.connectTimeoutMs,
      );
      p.then(
        (v) => {
          this.clock.clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          this.clock.clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  private isStopped(): boolean {
    return this._state === 'closed' || this._state === 'failed';
  }

  private clearTimers(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    if (this.pingTimer !== undefined) this.clock.clearTimeout(this.pingTimer);
    this.retryTimer = undefined;
    this.pingTimer = undefined;
  }

  private settleWaiters(err?: Error): void {
    this.waits.settle(err);
  }
}

/**
 * A login's answer: the avatar, with the references of the services asked for alongside
 * (`{ avatar, services }`, null where the hub would not give one: its `getService` then says
 * why). A hub that does not answer services with the login answers the avatar alone.
 */
function loginAnswer(
  answer: unknown,
  asked: ServiceProxy[],
): { avatar: RemoteReference; prefetched: Map<ServiceProxy, RemoteReference> } {
  const prefetched = new Map<ServiceProxy, RemoteReference>();
  if (answer instanceof RemoteReference) return { avatar: answer, prefetched };
  const a = answer as { avatar?: unknown; services?: unknown } | null;
  if (a === null || typeof a !== 'object' || !(a.avatar instanceof RemoteReference)) {
    throw new ZHubError('HUB_ERR_PROTOCOL', 'the hub answered the login with no avatar');
  }
  if (Array.isArray(a.services)) {
    a.services.forEach((ref: unknown, i) => {
      const proxy = asked[i];
      if (!(ref instanceof RemoteReference)) return;
      if (proxy === undefined) ref.release();
      else prefetched.set(proxy, ref);
    });
  }
  return { avatar: a.avatar, prefetched };
}

/** Creates a client, starts it and waits for the first login (see {@link HubClient.whenConnected}). */
export async function connectHub(
  options: HubClientOptions & { waitMs?: number },
): Promise<HubClient> {
  const client = new HubClient(options);
  client.start();
  try {
    await client.whenConnected(options.waitMs);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}
