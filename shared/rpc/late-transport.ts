import type { Transport, TransportHandlers } from './transport.js';

/**
 * The header that carries a client's first frame (its hello and login) in the WebSocket
 * upgrade request, and the answer a hub that took it gives in its 101 response
 * (`X-Zhub-Frame: taken`). A hub that does not answer so never read it: the client sends the
 * frame over the socket once open, as before. docs/protocol.md, "The first frame".
 */
export const UPGRADE_FRAME_HEADER = 'x-zhub-frame';
export const UPGRADE_FRAME_TAKEN = 'taken';
/** Frames longer than this travel over the socket (Node refuses request heads over 16 KiB). */
export const UPGRADE_FRAME_MAX_CHARS = 8 * 1024;

/**
 * `frame` as a header value: every character outside printable ASCII written as its JSON
 * escape (such characters only occur inside JSON strings, where the escape means the same), or
 * undefined when it is too long for a header.
 */
export function headerSafeFrame(frame: string): string | undefined {
  if (frame.length > UPGRADE_FRAME_MAX_CHARS) return undefined;
  // A loop, not a regular expression: in a process starting a thousand daemons the expression
  // ran interpreted most of the time (14 µs a frame against 0.3 µs).
  const safe = printableAscii(frame)
    ? frame
    : frame.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length <= UPGRADE_FRAME_MAX_CHARS ? safe : undefined;
}

function printableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * A transport whose socket comes later. The client makes its broker first, so that the broker's
 * first frame (hello and login, queued at once) can travel in the upgrade request; once the
 * socket is open (`bind`), the frames queued meanwhile are sent — but the first when the hub
 * took it from the upgrade — and the socket's messages reach the broker.
 */
export class LateTransport implements Transport {
  private queued: string[] = [];
  private handlers: TransportHandlers | undefined;
  private real: Transport | undefined;
  private closedWith: [code: number, reason: string] | undefined;

  constructor(readonly remoteAddress: string) {}

  get bufferedAmount(): number {
    return this.real?.bufferedAmount ?? 0;
  }

  send(frame: string): void {
    if (this.real !== undefined) this.real.send(frame);
    else if (this.closedWith === undefined) this.queued.push(frame);
  }

  sendParts(parts: (string | Buffer)[]): void {
    if (this.real?.sendParts !== undefined) this.real.sendParts(parts);
    else this.send(parts.map((p) => p.toString()).join(''));
  }

  /**
   * The first frame queued, made header-safe (and queued so: if the hub does not take it from
   * the upgrade, the socket carries the very same text); undefined when there is none or it
   * cannot be a header.
   */
  takeUpgradeFrame(): string | undefined {
    const first = this.queued[0];
    if (first === undefined || this.real !== undefined) return undefined;
    const safe = headerSafeFrame(first);
    if (safe !== undefined) this.queued[0] = safe;
    return safe;
  }

  /** The socket is open. `firstTaken`: the hub read the first frame from the upgrade. */
  bind(real: Transport, firstTaken: boolean): void {
    if (this.closedWith !== undefined) {
      real.close(...this.closedWith);
      return;
    }
    this.real = real;
    const queued = this.queued;
    this.queued = [];
    for (let i = firstTaken ? 1 : 0; i < queued.length; i++) real.send(queued[i] as string);
    if (this.handlers !== undefined) real.attach(this.handlers);
  }

  close(code: number, reason: string): void {
    if (this.real !== undefined) return this.real.close(code, reason);
    if (this.closedWith !== undefined) return;
    // Never opened: nothing to hang up; the broker hears the close (it may be tearing down).
    this.closedWith = [code, reason];
    this.queued = [];
    const handlers = this.handlers;
    queueMicrotask(() => handlers?.close(code, reason));
  }

  terminate(): void {
    if (this.real !== undefined) this.real.terminate();
    else this.close(1006, 'terminated before the connection opened');
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.real?.attach(handlers);
  }
}
