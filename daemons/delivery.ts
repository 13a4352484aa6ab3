import type { Clock, DeliveryMarks, Logger, SenderOptions, TimerHandle } from '../shared/index.js';
import { SharedArgs, TABLE_BOUNDS, ZHubError } from '../shared/index.js';
import { EventQueue, type DaemonEvent } from './event-queue.js';
import { checkedEvent, checkedSample } from './item-checks.js';
import type { ServiceProxy } from './service-proxy.js';
import { lineUpSpool } from './spool/mark-sync.js';
import { SpoolSender } from './spool/spool-sender.js';
import type { Spool, Stream } from './spool/spool.js';

/** Staged samples written at once past this many. */
const STAGE_MAX = TABLE_BOUNDS.stagedSamples;

/** A metric sample as collector code writes it. */
export interface Sample {
  device: string;
  component?: string;
  metric: string;
  value: number;
  /** ms since the epoch (default: now). */
  timestamp?: number;
}

export interface DeliveryOptions {
  /** Queued events go to the spool this often. */
  eventFlushMs: number;
  /** Samples wait at most this long in memory before one spool transaction. */
  sampleFlushMs: number;
  sender: SenderOptions;
}

/**
 * A daemon's delivery pipeline: what collector code hands over is checked, events collapse in
 * the event queue, samples are staged and written to the durable spool in few transactions,
 * and two senders (events, metrics) deliver the spool to the hub in order, exactly once, after
 * the spool was lined up with the hub's marks on each connection.
 */
export class Delivery {
  readonly eventQueue = new EventQueue();
  /** What this process collected: samples written and events spooled (after collapsing). */
  readonly produced = { samples: 0, events: 0 };
  readonly senders: Record<Stream, SpoolSender>;
  private staged: Record<string, unknown>[] = [];
  private stageTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private closed = false;

  constructor(
    readonly spool: Spool,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: DeliveryOptions,
  ) {
    this.senders = {
      events: new SpoolSender(spool, 'events', clock, log, opts.sender),
      metrics: new SpoolSender(spool, 'metrics', clock, log, opts.sender),
    };
  }

  /** Starts moving queued events to the spool every `eventFlushMs`. */
  start(): void {
    this.scheduleFlush();
  }

  /** Queues an event (see HubDaemon.sendEvent). */
  sendEvent(evt: DaemonEvent): void {
    this.eventQueue.add(checkedEvent(evt, this.clock.now()));
  }

  /** Stages samples, all or nothing (see HubDaemon.writeMetrics). */
  writeMetrics(samples: Sample[]): void {
    if (samples.length === 0) return;
    const now = this.clock.now();
    const checked = samples.map((s, i) => checkedSample(s, i, now));
    for (const s of checked) this.staged.push(s as unknown as Record<string, unknown>);
    if (this.staged.length >= STAGE_MAX) this.flushSamples();
    else
      this.stageTimer ??= this.clock.setTimeout(() => this.flushSamples(), this.opts.sampleFlushMs);
  }

  /** Writes staged samples to the spool now. */
  flushSamples(): void {
    if (this.stageTimer !== undefined) this.clock.clearTimeout(this.stageTimer);
    this.stageTimer = undefined;
    const staged = this.staged;
    if (staged.length === 0) return;
    this.staged = [];
    this.spoolItems('metrics', staged, 'samples');
  }

  /** Moves queued events into the spool now. */
  flushEvents(): void {
    const events = this.eventQueue.take();
    if (events.length > 0) this.spoolItems('events', events, 'events');
  }

  /** One spool write; what it could not take is counted (never dropped in silence). */
  private spoolItems(
    stream: Stream,
    items: Record<string, unknown>[],
    what: keyof Delivery['produced'],
  ): void {
    try {
      this.spool.append(stream, items);
      this.produced[what] += items.length;
      this.senders[stream].kick();
    } catch (err) {
      this.countUnspooled(err, items.length);
      this.log.error({ err, dropped: items.length }, `${what} could not be spooled`);
    }
  }

  /**
   * On a new connection: lines the spool up with the hub's `marks`, then starts both senders
   * on the services' proxies. Batches travel pre-encoded (the spool's stored JSON, never
   * parsed on the way out), so they are sent untyped.
   */
  connect(marks: DeliveryMarks, events: ServiceProxy, metrics: ServiceProxy): void {
    lineUpSpool(this.spool, marks, this.log);
    this.senders.events.connect((items, after) =>
      events.callRemote('sendEvents', SharedArgs.fromJson(`[${items},{"after":${after}}]`)),
    );
    this.senders.metrics.connect((items, after) =>
      metrics.callRemote('writeMetrics', SharedArgs.fromJson(`[${items},{"after":${after}}]`)),
    );
  }

  /** The connection dropped: senders wait for the next `connect`. */
  disconnect(): void {
    for (const s of Object.values(this.senders)) s.disconnect();
  }

  /** Waits until everything is acknowledged or `timeoutMs` passes; answers whether it was. */
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

  /** The spool's figures, reported with each heartbeat. */
  figures(): Record<string, number> {
    return {
      spoolDepth: this.spool.depth(),
      spoolOldestAgeMs: this.spool.oldestAge(),
      spoolDropped: this.spool.stats.dropped,
      spoolRefused: this.spool.stats.refused,
    };
  }

  /** Spools what is waiting, stops the timers and senders (the spool is closed by its owner). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flushEvents();
    this.flushSamples();
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    for (const s of Object.values(this.senders)) s.close();
  }

  /** Items the spool could not take: the block policy counts its own; a write error counts here. */
  private countUnspooled(err: unknown, n: number): void {
    if (!(err instanceof ZHubError && err.code === 'HUB_ERR_SPOOL_FULL'))
      this.spool.stats.refused += n;
  }

  private scheduleFlush(): void {
    if (this.closed) return;
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushEvents();
      this.scheduleFlush();
    }, this.opts.eventFlushMs);
  }
}
