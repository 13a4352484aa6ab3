import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock, ClientLimits, Contract, Logger, TimerHandle } from '../shared/index.js';
import {
  DEFAULT_DAEMON_LIMITS,
  DEFAULT_SENDER,
  deferredList,
  EventContract,
  FirstError,
  Referenceable,
  silentLogger,
  systemClock,
  ZHubError,
} from '../shared/index.js';
import type { SenderOptions } from '../shared/index.js';
import { Delivery, type Sample } from './delivery.js';
import type { DaemonEvent, EventQueue } from './event-queue.js';
import { HubClient } from './hub-client.js';
import type { ServiceProxy } from './service-proxy.js';
import { serviceHandle, type ServiceHandle } from './service-handle.js';
import type { SpoolSender } from './spool/spool-sender.js';
import { Spool, type SpoolOptions, type Stream } from './spool/spool.js';
import type { ClientTls, Connector } from './ws-connect.js';

export type { Sample };

/** Pause before asking again when another live spool holds this daemon's name. */
const DUPLICATE_RETRY_MS = 15_000;

export interface HubDaemonOptions {
  url: string;
  username: string;
  password: string;
  /** The monitor (collector) this daemon belongs to (default `localhost`). */
  monitor?: string;
  /** Unique per daemon: the hub keeps its delivery marks under it. Default `<type>@<host>`. */
  name?: string;
  type: string;
  /** Where the spool and cached configuration live. */
  dataDir: string;
  /** Services to get on every (re)connect besides EventService and MetricService. */
  services?: string[];
  /** Heartbeat period (default 60 s); the hub is told to expect the next within 3 periods. */
  heartbeatMs?: number;
  /** Queued events go to the spool this often (default 250 ms). */
  eventFlushMs?: number;
  /** Samples wait at most this long in memory before one spool transaction (default 25 ms). */
  sampleFlushMs?: number;
  spool?: Partial<Omit<SpoolOptions, 'path' | 'clock'>>;
  sender?: Partial<SenderOptions>;
  clock?: Clock;
  logger?: Logger;
  connector?: Connector;
  /** For a `wss://` hub: the CA to verify it with, and a client certificate (mTLS). */
  tls?: ClientTls;
  limits?: Partial<ClientLimits>;
  /** Send the first frame in the upgrade request (default true; see HubClientOptions). */
  frameInUpgrade?: boolean;
  random?: () => number;
}

/**
 * ZenHub's PBDaemon: a long-running process attached to the hub. It connects and logs in,
 * gets its services passing itself as the listener (again after every reconnect), sends
 * heartbeats, and sends events and samples through a durable spool, so nothing collected is
 * lost while the hub or the network is down.
 *
 * The hub can call: `getName`, `shutdown`, `setPropertyItems`, `updateDeviceConfigs`,
 * `deleteDevices`, `notifyConfigChanged` (the last three do nothing here: see CollectorDaemon).
 */
export class HubDaemon extends Referenceable {
  readonly client: HubClient;
  readonly spool: Spool;
  /** The delivery pipeline: event queue, staged samples, spool senders. */
  readonly delivery: Delivery;
  readonly name: string;
  readonly monitor: string;
  readonly log: Logger;
  protected readonly clock: Clock;
  protected readonly services = new Map<string, ServiceProxy>();
  private readonly handles = new WeakMap<ServiceProxy, ServiceHandle<Contract>>();
  protected properties: Record<string, unknown> = {};
  private heartbeatTimer: TimerHandle | undefined;
  private stopped = false;
  private duplicateTimer: TimerHandle | undefined;
  /** The spool is lined up with the hub on this connection and its senders run. */
  private delivering = false;
  private shutdownHandler: (() => void) | undefined;
  private readonly readyWaiters = new Set<() => void>();
  /** The services asked for at start, before the first connect (see start()). */
  private firstServices: Promise<void> | undefined;

  constructor(protected readonly opts: HubDaemonOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.name = opts.name ?? `${opts.type}@${hostname()}`;
    this.monitor = opts.monitor ?? 'localhost';
    this.log = (opts.logger ?? silentLogger()).child({ daemon: this.name });
    this.spool = new Spool({
      path: join(opts.dataDir, 'spool.db'),
      clock: this.clock,
      ...opts.spool,
    });
    this.delivery = new Delivery(this.spool, this.clock, this.log, {
      eventFlushMs: opts.eventFlushMs ?? DEFAULT_DAEMON_LIMITS.eventFlushMs,
      sampleFlushMs: opts.sampleFlushMs ?? DEFAULT_DAEMON_LIMITS.sampleFlushMs,
      sender: { ...DEFAULT_SENDER, ...opts.sender },
    });
    this.client = new HubClient({
      url: opts.url,
      username: opts.username,
      password: opts.password,
      monitor: this.monitor,
      name: this.name,
      type: opts.type,
      instance: this.spool.instance,
      root: this,
      clock: this.clock,
      logger: this.log,
      ...(opts.connector ? { connector: opts.connector } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.frameInUpgrade !== undefined ? { frameInUpgrade: opts.frameInUpgrade } : {}),
    });
    this.client.on('connect', ({ reconnect }) => void this.connected(reconnect));
    this.client.on('disconnect', () => {
      this.delivering = false;
      this.delivery.disconnect();
    });
    this.client.on('fatal', (err) => this.log.error({ err }, 'cannot use the hub'));
  }

  /**
   * The typed handle of a service this daemon got (see serviceNames): its proxy survives
   * reconnects, so one handle per proxy serves for good.
   */
  protected service<C extends Contract>(contract: C): ServiceHandle<C> {
    const proxy = this.services.get(contract.service);
    if (proxy === undefined)
      throw new ZHubError('HUB_ERR_NOT_CONNECTED', `${contract.service} not got yet`);
    let h = this.handles.get(proxy);
    if (h === undefined) this.handles.set(proxy, (h = serviceHandle(proxy, contract)));
    return h;
  }

  /** The event queue in front of the spool. */
  get eventQueue(): EventQueue {
    return this.delivery.eventQueue;
  }

  /** What this process collected: samples written and events spooled (after collapsing). */
  get produced(): { samples: number; events: number } {
    return this.delivery.produced;
  }

  /** The spool's senders, one per stream. */
  get senders(): Record<Stream, SpoolSender> {
    return this.delivery.senders;
  }

  /** The services this daemon gets on every (re)connect. */
  protected serviceNames(): string[] {
    return ['EventService', 'MetricService', ...(this.opts.services ?? [])];
  }

  /** Starts connecting (in the background) and the timers; collection may begin at once. */
  start(): void {
    this.client.start();
    // Asked for before the connection is up, the services travel with the login.
    if (this.services.size === 0 && this.firstServices === undefined) {
      this.firstServices = this.getServices();
      this.firstServices.catch(() => undefined); // connected() asks again, and reports
    }
    this.delivery.start();
    this.scheduleHeartbeat();
  }

  /** Resolves once connected with its services, or rejects (fatal error, or `timeoutMs`). */
  async whenReady(timeoutMs = 60_000): Promise<void> {
    await this.client.whenConnected(timeoutMs);
    if (this.ready) return;
    // Connected; the services and the spool's line-up follow (a few round trips).
    await new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        this.clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.clock.setTimeout(() => {
        this.readyWaiters.delete(waiter);
        reject(
          new ZHubError(
            'HUB_ERR_TIMEOUT',
            `connected, but the services and the spool were not ready within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.readyWaiters.add(waiter);
    });
  }

  /**
   * True once connected, every service acquired and the spool lined up with the hub's marks
   * (so delivering); false while another live spool holds this daemon's name.
   */
  get ready(): boolean {
    return (
      this.delivering &&
      this.client.state === 'connected' &&
      this.serviceNames().every((n) => this.services.get(n)?.connected)
    );
  }

  /**
   * Queues an event (duplicates collapse, repeated clears are dropped), spooled within
   * eventFlushMs. Checked here by the hub's own rules: what can never be stored (no device, a
   * severity outside 0-5, an identity field past 256 characters...) throws HUB_ERR_BAD_ARGUMENT
   * naming the field; an over-long summary or message is truncated and the event marked
   * `truncated` (see TELEMETRY_LIMITS).
   */
  sendEvent(evt: DaemonEvent): void {
    this.delivery.sendEvent(evt);
  }

  /**
   * Spools samples. They are staged in memory for at most `sampleFlushMs` (25 ms) and then
   * written in one transaction with whatever else was collected meanwhile: one commit for
   * many task runs. `stop()` and `drain()` write what is staged.
   */
  writeMetrics(samples: Sample[]): void {
    // All or nothing: an invalid sample (a value that is not a finite number, no metric name)
    // throws HUB_ERR_BAD_ARGUMENT naming it, and none of the call's samples is staged.
    this.delivery.writeMetrics(samples);
  }

  /** Writes staged samples to the spool now. */
  flushSamples(): void {
    this.delivery.flushSamples();
  }

  /** Moves queued events into the spool now. */
  flushEvents(): void {
    this.delivery.flushEvents();
  }

  /**
   * Waits until the spool is empty (everything acknowledged) or `timeoutMs` passes; answers
   * whether it emptied. Partial batches are sent at once.
   */
  drain(timeoutMs: number): Promise<boolean> {
    return this.delivery.drain(timeoutMs);
  }

  /** What this daemon reports with each heartbeat (shown on the hub's status). */
  protected figures(): Record<string, number> {
    return this.delivery.figures();
  }

  /** Called when the hub asks this daemon to stop; main sets it to exit the process. */
  onShutdown(handler: () => void): void {
    this.shutdownHandler = handler;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.delivery.close();
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer);
    if (this.duplicateTimer !== undefined) this.clock.clearTimeout(this.duplicateTimer);
    this.client.close();
    await Promise.resolve();
    this.spool.close();
  }

  // ---- called by the hub ---------------------------------------------------------------------

  remote_getName(): string {
    return this.name;
  }

  remote_shutdown(): boolean {
    this.log.warn('the hub asked this daemon to shut down');
    setImmediate(() => (this.shutdownHandler ? this.shutdownHandler() : void this.stop()));
    return true;
  }

  /** New collector properties (e.g. a new cycle interval). */
  remote_setPropertyItems(items: unknown): boolean {
    if (items === null || typeof items !== 'object' || Array.isArray(items)) {
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'setPropertyItems takes an object of properties');
    }
    this.applyProperties({ ...this.properties, ...(items as Record<string, unknown>) });
    return true;
  }

  /** The hub refused a second spool under this daemon's name. */
  remote_notifyDuplicate(info: unknown): void {
    const address = (info as { address?: unknown } | null)?.address;
    this.log.error(
      { other: typeof address === 'string' ? address.slice(0, 200) : undefined },
      'another daemon with its own spool tried to deliver under this name; the hub refused it',
    );
  }

  remote_updateDeviceConfigs(_configs: unknown): void {}

  remote_deleteDevices(_ids: unknown): void {}

  remote_notifyConfigChanged(): void {}

  remote_updateTemplates(_templates: unknown): void {}

  remote_deleteTemplates(_names: unknown): void {}

  /** Takes new collector properties; subclasses reschedule from them. */
  protected applyProperties(props: Record<string, unknown>): void {
    this.properties = props;
  }

  /** After connect and service acquisition: what a subclass needs to do on every connect. */
  protected onReady(_reconnect: boolean): Promise<void> {
    return Promise.resolve();
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Fans out the start-up requests; the first failure fails the lot (fireOnOneErrback). */
  private async getServices(): Promise<void> {
    const names = this.serviceNames();
    const got = await deferredList(
      names.map((n) => this.client.getService(n, { listener: this })),
      { fireOnOneErrback: true, consumeErrors: true },
    ).catch((err: unknown) => {
      throw err instanceof FirstError ? err.subFailure.value : err;
    });
    got.forEach((entry, i) => this.services.set(names[i] as string, entry[1] as ServiceProxy));
  }

  private async connected(reconnect: boolean): Promise<void> {
    try {
      const first = this.firstServices;
      this.firstServices = undefined;
      if (first !== undefined) await first.catch(() => this.getServices());
      else if (!reconnect || this.serviceNames().some((n) => !this.services.has(n)))
        await this.getServices();
      const marks = await this.service(EventContract).getDeliveryMarks();
      this.delivery.connect(
        marks,
        this.services.get('EventService') as ServiceProxy,
        this.services.get('MetricService') as ServiceProxy,
      );
      this.delivering = true;
      this.heartbeat(); // at once: the hub knows this daemon is back before its first cycle
      await this.onReady(reconnect);
      if (this.ready) {
        const waiters = [...this.readyWaiters];
        this.readyWaiters.clear();
        for (const w of waiters) w();
      }
      this.log.info({ reconnect, spooled: this.spool.depth() }, 'daemon ready');
    } catch (err) {
      if (err instanceof ZHubError && err.code === 'HUB_ERR_DUPLICATE_DAEMON') {
        // Another live spool holds the name: try again now and then (it may stop).
        this.log.error(
          { err },
          'refused: another daemon delivers under this name; retrying in 15 s',
        );
        this.duplicateTimer ??= this.clock.setTimeout(() => {
          this.duplicateTimer = undefined;
          if (!this.stopped && this.client.state === 'connected') void this.connected(true);
        }, DUPLICATE_RETRY_MS);
        return;
      }
      this.log.error({ err }, 'start-up requests failed; will retry on the next connect');
    }
  }

  private heartbeat(): void {
    if (!this.services.get('EventService')?.connected) return;
    const every = this.opts.heartbeatMs ?? DEFAULT_DAEMON_LIMITS.heartbeatMs;
    this.service(EventContract)
      .sendHeartbeat(Math.ceil((3 * every) / 1000), this.figures())
      .catch((err: unknown) => this.log.debug({ err }, 'heartbeat not sent'));
  }

  private scheduleHeartbeat(): void {
    if (this.stopped) return;
    const every = this.opts.heartbeatMs ?? DEFAULT_DAEMON_LIMITS.heartbeatMs;
    this.heartbeatTimer = this.clock.setTimeout(() => {
      this.heartbeat();
      this.scheduleHeartbeat();
    }, every);
  }
}
