import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock, ClientLimits, Contract, Logger, TimerHandle } from '../shared/index.js';
import {
  DEFAULT_DAEMON_LIMITS,
  deferredList,
  EventContract,
  FirstError,
  Referenceable,
  SharedArgs,
  silentLogger,
  systemClock,
  TABLE_BOUNDS,
  ZHubError,
} from '../shared/index.js';
import { EventQueue, type DaemonEvent } from './event-queue.js';
import { checkedEvent, checkedSample } from './item-checks.js';
import { HubClient } from './hub-client.js';
import type { ServiceProxy } from './service-proxy.js';
import { serviceHandle, type ServiceHandle } from './service-handle.js';
import { DEFAULT_SENDER, SpoolSender, type SenderOptions } from './spool/spool-sender.js';
import { Spool, type SpoolOptions, type Stream } from './spool/spool.js';
import type { Connector } from './ws-connect.js';

/** Pause before asking again when another live spool holds this daemon's name. */
const DUPLICATE_RETRY_MS = 15_000;

/** Staged samples written at once past this many. */
const STAGE_MAX = TABLE_BOUNDS.stagedSamples;

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
  limits?: Partial<ClientLimits>;
  random?: () => number;
}

/** A metric sample as collector code writes it. */
export interface Sample {
  device: string;
  component?: string;
  metric: string;
  value: number;
  /** ms since the epoch (default: now). */
  timestamp?: number;
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
  readonly eventQueue = new EventQueue();
  /** What this process collected: samples written and events spooled (after collapsing). */
  readonly produced = { samples: 0, events: 0 };
  readonly senders: Record<Stream, SpoolSender>;
  readonly name: string;
  readonly monitor: string;
  readonly log: Logger;
  protected readonly clock: Clock;
  protected readonly services = new Map<string, ServiceProxy>();
  private readonly handles = new WeakMap<ServiceProxy, ServiceHandle<Contract>>();
  protected properties: Record<string, unknown> = {};
  private heartbeatTimer: TimerHandle | undefined;
  private staged: Record<string, unknown>[] = [];
  private stageTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private stopped = false;
  private duplicateTimer: TimerHandle | undefined;
  /** The spool is lined up with the hub on this connection and its senders run. */
  private delivering = false;
  private shutdownHandler: (() => void) | undefined;

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
    const senderOpts = { ...DEFAULT_SENDER, ...opts.sender };
    this.senders = {
      events: new SpoolSender(this.spool, 'events', this.clock, this.log, senderOpts),
      metrics: new SpoolSender(this.spool, 'metrics', this.clock, this.log, senderOpts),
    };
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
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    });
    this.client.on('connect', ({ reconnect }) => void this.connected(reconnect));
    this.client.on('disconnect', () => {
      this.delivering = false;
      for (const s of Object.values(this.senders)) s.disconnect();
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

  /** The services this daemon gets on every (re)connect. */
  protected serviceNames(): string[] {
    return ['EventService', 'MetricService', ...(this.opts.services ?? [])];
  }

  /** Starts connecting (in the background) and the timers; collection may begin at once. */
  start(): void {
    this.client.start();
    this.scheduleFlush();
    this.scheduleHeartbeat();
  }

  /** Resolves once connected with its services, or rejects (fatal error, or `timeoutMs`). */
  async whenReady(timeoutMs?: number): Promise<void> {
    await this.client.whenConnected(timeoutMs);
    for (let i = 0; i < 1000 && !this.ready; i++) await new Promise((r) => setImmediate(r));
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
    this.eventQueue.add(checkedEvent(evt, this.clock.now()));
  }

  /**
   * Spools samples. They are staged in memory for at most `sampleFlushMs` (25 ms) and then
   * written in one transaction with whatever else was collected meanwhile: one commit for
   * many task runs. `stop()` and `drain()` write what is staged.
   */
  writeMetrics(samples: Sample[]): void {
    if (samples.length === 0) return;
    const now = this.clock.now();
    // All or nothing: an invalid sample (a value that is not a finite number, no metric name)
    // throws HUB_ERR_BAD_ARGUMENT naming it, and none of the call's samples is staged.
    const checked = samples.map((s, i) => checkedSample(s, i, now));
    for (const s of checked) this.staged.push(s as unknown as Record<string, unknown>);
    if (this.staged.length >= STAGE_MAX) this.flushSamples();
    else
      this.stageTimer ??= this.clock.setTimeout(
        () => this.flushSamples(),
        this.opts.sampleFlushMs ?? DEFAULT_DAEMON_LIMITS.sampleFlushMs,
      );
  }

  /** Writes staged samples to the spool now. */
  flushSamples(): void {
    if (this.stageTimer !== undefined) this.clock.clearTimeout(this.stageTimer);
    this.stageTimer = undefined;
    const staged = this.staged;
    if (staged.length === 0) return;
    this.staged = [];
    try {
      this.spool.append('metrics', staged);
      this.produced.samples += staged.length;
      this.senders.metrics.kick();
    } catch (err) {
      this.countUnspooled(err, staged.length);
      this.log.error({ err, dropped: staged.length }, 'samples could not be spooled');
    }
  }

  /** Moves queued events into the spool now. */
  flushEvents(): void {
    const events = this.eventQueue.take();
    if (events.length === 0) return;
    try {
      this.spool.append('events', events);
      this.produced.events += events.length;
      this.senders.events.kick();
    } catch (err) {
      this.countUnspooled(err, events.length);
      this.log.error({ err, dropped: events.length }, 'events could not be spooled');
    }
  }

  /** Items the spool could not take: the block policy counts its own; a write error counts here. */
  private countUnspooled(err: unknown, n: number): void {
    if (!(err instanceof ZHubError && err.code === 'HUB_ERR_SPOOL_FULL'))
      this.spool.stats.refused += n;
  }

  /**
   * Waits until the spool is empty (everything acknowledged) or `timeoutMs` passes; answers
   * whether it emptied. Partial batches are sent at once.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.flushEvents();
    this.flushSamples();
    const end = this.clock.now() + timeoutMs;
    while (this.spool.depth() > 0 && this.clock.now() < end) {
      for (const s of Object.values(this.senders)) s.flushNow();
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.spool.depth() === 0;
  }

  /** What this daemon reports with each heartbeat (shown on the hub's status). */
  protected figures(): Record<string, number> {
    return {
      spoolDepth: this.spool.depth(),
      spoolOldestAgeMs: this.spool.oldestAge(),
      spoolDropped: this.spool.stats.dropped,
      spoolRefused: this.spool.stats.refused,
    };
  }

  /** Called when the hub asks this daemon to stop; main sets it to exit the process. */
  onShutdown(handler: () => void): void {
    this.shutdownHandler = handler;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.flushEvents();
    this.flushSamples();
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer);
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    if (this.duplicateTimer !== undefined) this.clock.clearTimeout(this.duplicateTimer);
    for (const s of Object.values(this.senders)) s.close();
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

  /** Takes new collector properties; subclasses reschedule from them. */
  protected applyProperties(props: Record<string, unknown>): void {
    this.properties = props;
  }

  /** After connect and service acquisition: what a subclass needs to do on every connect. */
  protected onReady(_reconnect: boolean): Promise<void> {
    return Promise.resolve();
  }

  // ---- internals -----------------------------------------------------------------------------

  private async connected(reconnect: boolean): Promise<void> {
    try {
      if (!reconnect || this.serviceNames().some((n) => !this.services.has(n))) {
        // Fan out the start-up requests; the first failure fails the lot (fireOnOneErrback).
        const names = this.serviceNames();
        const got = await deferredList(
          names.map((n) => this.client.getService(n, { listener: this })),
          { fireOnOneErrback: true, consumeErrors: true },
        ).catch((err: unknown) => {
          throw err instanceof FirstError ? err.subFailure.value : err;
        });
        got.forEach((entry, i) => this.services.set(names[i] as string, entry[1] as ServiceProxy));
      }
      await this.syncMarks();
      const events = this.services.get('EventService') as ServiceProxy;
      const metrics = this.services.get('MetricService') as ServiceProxy;
      this.senders.events.connect((items, after) =>
        events.callRemote('sendEvents', SharedArgs.fromJson(`[${items},{"after":${after}}]`)),
      );
      this.senders.metrics.connect((items, after) =>
        metrics.callRemote('writeMetrics', SharedArgs.fromJson(`[${items},{"after":${after}}]`)),
      );
      this.delivering = true;
      this.heartbeat(); // at once: the hub knows this daemon is back before its first cycle
      await this.onReady(reconnect);
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

  /**
   * Lines the spool up with what the hub has stored, before anything is sent. The hub answers
   * the marks of this daemon's name (everything up to them is stored, from whichever spool)
   * and those of this spool alone:
   *
   * - This spool delivered last (its marks are the name's): it learns what the hub stored
   *   (items whose acknowledgement was lost are dropped, never sent twice) — unless the marks
   *   are above every number it had when its current runs began: then it is a restored or
   *   copied spool, whose items up to there reached the hub from the original, and whose
   *   later items are numbered afresh above the marks.
   * - Another spool delivered since, or this one never did: what the hub stored of this
   *   spool's is dropped, and the rest is numbered above the name's marks. Nothing else is
   *   deleted, and nothing is hidden behind the other spool's numbers.
   */
  private async syncMarks(): Promise<void> {
    const marks = await this.service(EventContract).getDeliveryMarks();
    const top = Math.max(marks.events, marks.metrics);
    const none = { events: 0, metrics: 0 };
    // Without the spool's own marks (a hub from before them, or a spool from before ids that
    // has not delivered since), a synced spool takes the name's marks for its own, as before.
    const own =
      marks.spool === undefined ||
      (this.spool.legacy && marks.spool.events === 0 && marks.spool.metrics === 0)
        ? this.spool.synced
          ? marks
          : none
        : marks.spool;
    const owner = own.events === marks.events && own.metrics === marks.metrics && top > 0;
    const from = this.spool.pendingFrom;
    // The hub holds more of this spool than it had numbered when its current runs began.
    const restored = from !== undefined && Math.max(own.events, own.metrics) > from;
    if (owner && this.spool.synced && !restored) {
      for (const stream of ['events', 'metrics'] as const) {
        const mine = this.spool.lastAck(stream);
        if (mine < marks[stream]) this.spool.ack(stream, marks[stream]);
        else if (mine > marks[stream]) {
          this.log.error(
            { stream, hub: marks[stream], acknowledged: mine },
            'the hub holds less than it acknowledged',
          );
          this.spool.resetAck(stream, marks[stream]);
        }
      }
    } else {
      // What the hub stored of this spool's own items goes; the rest is numbered above the marks.
      for (const stream of ['events', 'metrics'] as const) {
        const stored = restored ? Math.min(from, own[stream]) : own[stream];
        if (stored > 0) this.spool.ack(stream, stored);
      }
      const pending = this.spool.depth();
      if (top > 0 || !this.spool.synced) this.spool.ensureAbove(top);
      for (const stream of ['events', 'metrics'] as const) this.spool.resetAck(stream, top);
      if (this.spool.synced && top > 0)
        this.log.warn(
          { restored, pending, renumberedAbove: top },
          restored
            ? "this spool is older than what the hub holds from it (restored or copied): its newer items are numbered above the hub's marks"
            : "another spool delivered under this daemon name since: this spool's items are numbered above its marks",
        );
      this.spool.markSynced();
    }
    this.spool.markRunSynced();
  }

  private scheduleFlush(): void {
    if (this.stopped) return;
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushEvents();
      this.scheduleFlush();
    }, this.opts.eventFlushMs ?? DEFAULT_DAEMON_LIMITS.eventFlushMs);
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
