import type { Clock, Logger, SenderOptions, TimerHandle } from '../../shared/index.js';
import { DEFAULT_SENDER } from '../../shared/index.js';
import type { Spool, Stream } from './spool.js';

/**
 * Sends one batch; answers the hub's acknowledgement. `items` is the batch as a JSON array
 * text (the spool's stored items, joined: never parsed on the way out); `after` is the last
 * seq of the batch before.
 */
export type SendBatch = (items: string, after: number) => Promise<{ ack: number }>;

export { DEFAULT_SENDER } from '../../shared/index.js';
export type { SenderOptions } from '../../shared/index.js';

export interface SenderStats {
  batchesSent: number;
  batchesFailed: number;
  itemsAcknowledged: number;
}

/**
 * Drains one stream of the spool to the hub, oldest first, with several batches in flight.
 * Each batch names the last item of the batch before it (`after`), so the hub stores it only
 * once its predecessor is stored: a failed batch is never overtaken, and after any failure
 * sending starts again from the oldest unacknowledged item. Items leave the spool only when
 * the hub acknowledges them.
 */
export class SpoolSender {
  readonly stats: SenderStats = { batchesSent: 0, batchesFailed: 0, itemsAcknowledged: 0 };
  private send: SendBatch | undefined;
  private sentUpTo = 0;
  private inFlight = 0;
  private epoch = 0;
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;
  private pumping = false;

  constructor(
    private readonly spool: Spool,
    private readonly stream: Stream,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: SenderOptions = DEFAULT_SENDER,
  ) {}

  /** Connected: start draining through `send`. */
  connect(send: SendBatch): void {
    this.send = send;
    this.restart();
  }

  /** Disconnected: stop sending; what is in flight will fail and be sent again later. */
  disconnect(): void {
    this.send = undefined;
    this.epoch++;
    this.inFlight = 0;
    this.clearTimer();
  }

  /** New items were appended. */
  kick(): void {
    if (this.send && !this.pumping) this.pump(false);
  }

  /** Sends what is there now, partial batches included (before exiting, in run-once mode). */
  flushNow(): void {
    if (this.send) this.pump(true);
  }

  /** Items not yet acknowledged. */
  get pending(): number {
    return this.spool.depth(this.stream);
  }

  close(): void {
    this.disconnect();
  }

  private restart(): void {
    this.epoch++;
    this.inFlight = 0;
    this.sentUpTo = this.spool.lastAck(this.stream);
    this.clearTimer();
    this.pump(false);
  }

  private pump(force: boolean): void {
    const send = this.send;
    if (!send) return;
    this.pumping = true;
    try {
      while (this.inFlight < this.opts.maxInFlight) {
        const entries = this.spool.readRaw(this.stream, this.sentUpTo, this.opts.batchSize);
        if (entries.length === 0) return;
        if (entries.length < this.opts.batchSize && !force && this.inFlight > 0) return; // more will come with the next answer
        if (entries.length < this.opts.batchSize && !force && !this.flushDue()) return;
        const after = this.sentUpTo;
        const last = (entries[entries.length - 1] as { seq: number }).seq;
        this.sentUpTo = last;
        this.inFlight++;
        this.stats.batchesSent++;
        const epoch = this.epoch;
        send(`[${entries.map((e) => e.json).join(',')}]`, after).then(
          (r) => this.acked(epoch, r.ack),
          (err: unknown) => this.failed(epoch, err),
        );
      }
    } finally {
      this.pumping = false;
    }
  }

  /** A partial batch goes when its oldest item has waited flushIntervalMs; else a timer is set. */
  private flushDue(): boolean {
    if (this.timerDue <= this.clock.now()) return true;
    if (this.timer === undefined) {
      this.timerDue = this.clock.now() + this.opts.flushIntervalMs;
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
        this.timerDue = Infinity;
      }, this.opts.flushIntervalMs);
    }
    return false;
  }

  private acked(epoch: number, ack: number): void {
    // Acknowledgements are facts about the hub whatever the epoch: always apply them.
    const before = this.spool.depth(this.stream);
    this.spool.ack(this.stream, ack);
    this.stats.itemsAcknowledged += before - this.spool.depth(this.stream);
    if (epoch !== this.epoch) return;
    this.inFlight--;
    this.pump(false);
  }

  private failed(epoch: number, err: unknown): void {
    if (epoch !== this.epoch) return;
    this.stats.batchesFailed++;
    const e = err as { code?: string; data?: { mark?: number } };
    if (
      e.code === 'HUB_ERR_OUT_OF_ORDER' &&
      typeof e.data?.mark === 'number' &&
      e.data.mark < this.spool.lastAck(this.stream)
    ) {
      // The hub holds less than it once acknowledged (restored from a backup?): what it lost
      // is gone from here too. Continue from what it has.
      this.log.error(
        { stream: this.stream, hubMark: e.data.mark, acked: this.spool.lastAck(this.stream) },
        'hub lost acknowledged items',
      );
      this.spool.resetAck(this.stream, e.data.mark);
    }
    this.epoch++;
    this.inFlight = 0;
    if (
      e.code === 'HUB_ERR_NOT_CONNECTED' ||
      e.code === 'HUB_ERR_CONNECTION_LOST' ||
      e.code === 'HUB_ERR_DEAD_REFERENCE'
    ) {
      return; // the next connect() restarts
    }
    this.log.warn(
      { err, stream: this.stream },
      'batch failed; sending again from the oldest unacknowledged item',
    );
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.send) this.restart();
    }, this.opts.retryMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }
}
