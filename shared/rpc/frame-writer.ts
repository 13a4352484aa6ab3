import type { RpcLimits } from '../limits.js';
import { ZHubError } from '../errors.js';
import type { Transport } from './transport.js';

/**
 * The sending half of a connection (frame-reader.ts is the receiving one): messages queued in
 * one turn of the event loop leave packed in one frame — or, past `maxPackMessages`, in full
 * frames sent as they fill (the peer starts on them while this side makes the rest; measured in
 * docs/performance.md) — frames are kept under the frame limit,
 * and a peer that stops reading is noticed (`onStalled`) before its queue outgrows
 * `maxSendBufferBytes`. Overflow policy: the connection is closed (HUB_ERR_SEND_BUFFER_FULL).
 */
export class FrameWriter {
  private outbox: string[] = [];
  private outboxChars = 0;
  private flushScheduled = false;
  private stopped = false;
  /** A frame packs messages up to this many characters (a third of the byte limit: UTF-8). */
  private readonly maxPackChars: number;

  constructor(
    private readonly transport: Transport,
    private readonly limits: RpcLimits,
    private readonly stats: { framesOut: number },
    /** The peer stopped reading: `queued` bytes wait. The owner closes the connection. */
    private readonly onStalled: (queued: number) => void,
  ) {
    this.maxPackChars = Math.floor(limits.maxFrameBytes / 3);
  }

  /** Queues one message (its JSON text); it leaves at the end of this turn, with the others. */
  enqueue(text: string): void {
    if (this.stopped) return;
    this.outbox.push(text);
    this.outboxChars += text.length;
    // Many large answers in one turn: send (and check the bound) before they pile up here.
    if (
      this.outbox.length >= this.limits.maxPackMessages ||
      this.outboxChars + this.transport.bufferedAmount > this.limits.maxSendBufferBytes
    ) {
      this.flushNow();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flushNow());
    }
  }

  /**
   * Queues one message without sending it: it leaves first with the next message queued (or
   * at the next flushNow). The hub's hello waits so for its first answer.
   */
  hold(text: string): void {
    if (this.stopped) return;
    this.outbox.unshift(text);
    this.outboxChars += text.length;
  }

  /** Sends what is queued now, in as few frames as the frame limit allows. */
  flushNow(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const out = this.outbox;
    const chars = this.outboxChars;
    this.outbox = [];
    this.outboxChars = 0;
    if (this.stopped) return;
    if (chars + out.length + 1 <= this.maxPackChars || out.length === 1) {
      this.sendFrame(out.length === 1 ? `[${out[0]}]` : `[${out.join(',')}]`);
    } else {
      let start = 0;
      let size = 0;
      for (let i = 0; i < out.length; i++) {
        const len = (out[i] as string).length + 1;
        if (i > start && size + len > this.maxPackChars) {
          this.sendFrame(`[${out.slice(start, i).join(',')}]`);
          if (this.stalled()) return;
          start = i;
          size = 0;
        }
        size += len;
      }
      this.sendFrame(`[${out.slice(start).join(',')}]`);
    }
    this.stalled();
  }

  /**
   * Writes one frame made of parts (a payload encoded once for many peers), after what is
   * queued, so that the peer sees messages in the order they were made.
   */
  sendParts(parts: (string | Buffer)[]): void {
    this.flushNow();
    if (this.stopped) return;
    this.stats.framesOut++;
    (this.transport.sendParts as (parts: (string | Buffer)[]) => void)(parts);
    this.stalled();
  }

  /** Throws HUB_ERR_TOO_LARGE when `text` could not travel in one frame. */
  checkSize(text: string, what: string): void {
    if (this.tooBig(text)) {
      throw new ZHubError(
        'HUB_ERR_TOO_LARGE',
        `${what} exceeds the ${this.limits.maxFrameBytes}-byte frame limit`,
        { data: { limit: this.limits.maxFrameBytes } },
      );
    }
  }

  tooBig(text: string): boolean {
    const room = this.limits.maxFrameBytes - 2; // the frame's own brackets
    if (text.length * 3 <= room) return false;
    return text.length > room || Buffer.byteLength(text) > room;
  }

  /** Nothing more is sent (the connection closed); what is queued is dropped. */
  stop(): void {
    this.stopped = true;
    this.outbox = [];
    this.outboxChars = 0;
  }

  /** Tells the owner when the peer stopped reading; answers whether it has (or we stopped). */
  private stalled(): boolean {
    if (this.stopped) return true;
    const queued = this.transport.bufferedAmount;
    if (queued > this.limits.maxSendBufferBytes) {
      this.onStalled(queued);
      return true;
    }
    return false;
  }

  private sendFrame(frame: string): void {
    this.stats.framesOut++;
    this.transport.send(frame);
  }
}
