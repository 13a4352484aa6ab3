import type { WebSocket } from 'ws';
import type { Transport, TransportHandlers } from './transport.js';
import { textFrame } from './ws-frame.js';

const TEXT = { binary: false } as const;

/** What of ws 8's internals a whole-frame write relies on (checked at each use). */
interface WsInternals {
  _socket?: { write(chunk: Buffer): boolean };
  _sender?: { _queue?: unknown[]; _state?: number };
}

function sameText(data: Buffer | ArrayBuffer | Buffer[], text: string): boolean {
  if (!Buffer.isBuffer(data)) return false;
  return data.length === Buffer.byteLength(text) && data.toString() === text;
}

/** Close reasons are limited to 123 bytes by RFC 6455. */
function clampReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123
    ? reason
    : Buffer.from(reason).subarray(0, 120).toString();
}

/**
 * A {@link Transport} over a `ws` WebSocket (server side from fastify, or a client socket).
 * It listens from construction and holds what arrives until `attach`: ws can deliver the
 * peer's first frame on the tick after 'open', before a promise continuation could attach.
 */
export class WsTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  /** Messages before `attach` (made with the first such; gone once attached). */
  private early: [data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean][] | undefined;
  private earlyClose: [code: number, reason: string] | undefined;
  private closedReported = false;

  /** A server's socket (ws's own flag): its frames go unmasked, written whole (see send). */
  private readonly server: boolean;
  /** The hub's side: the frame the upgrade request carried, read before the socket's. */
  private upgradeFrame: string | undefined;
  /** The same text as the socket's first message is the client sending it again: dropped. */
  private repeatOfUpgrade: string | undefined;
  readonly upgradeFrameTaken: boolean | undefined;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
    opts: {
      /** The hub's side: the first frame, from the upgrade request's header. */
      upgradeFrame?: string | undefined;
      /** The client's side: the hub said it took the first frame from the upgrade. */
      upgradeFrameTaken?: boolean;
    } = {},
  ) {
    this.server = (ws as unknown as { _isServer?: unknown })._isServer === true;
    this.upgradeFrame = opts.upgradeFrame;
    this.repeatOfUpgrade = opts.upgradeFrame;
    this.upgradeFrameTaken = opts.upgradeFrameTaken;
    ws.on('message', (data, isBinary) => {
      if (this.repeatOfUpgrade !== undefined) {
        // A proxy that dropped the hub's "taken" answer: the client sent its first frame again.
        const repeat = this.repeatOfUpgrade;
        this.repeatOfUpgrade = undefined;
        if (!isBinary && sameText(data, repeat)) return;
      }
      if (this.handlers) this.handlers.message(data, isBinary);
      else if ((this.early ??= []).length < 16) this.early.push([data, isBinary]);
      else ws.terminate(); // a peer flooding before we are ready is not a peer we want
    });
    ws.on('close', (code, reason) => this.reportClose(code, reason.toString()));
    // Errors are always followed by 'close'; the listener keeps ws from throwing them.
    ws.on('error', () => undefined);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    const first = this.upgradeFrame;
    this.upgradeFrame = undefined;
    if (first !== undefined) handlers.message(first, false);
    const early = this.early;
    this.early = undefined;
    if (early !== undefined) for (const [data, isBinary] of early) handlers.message(data, isBinary);
    if (this.earlyClose) this.reportClose(...this.earlyClose);
    else if (this.ws.readyState === this.ws.CLOSED) this.reportClose(1006, 'closed before attach');
  }

  send(frame: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // Given a string, ws writes a frame's header and payload apart (a corked pair: one writev
    // per frame, a tenth of a daemon's start-up CPU and of the hub's per-call CPU). A client,
    // which masks its frames, gives ws bytes: ws masks them into the frame's own buffer and
    // writes it once. The hub writes its frames whole to the socket itself, when nothing of
    // ws's own waits to be written before them (ws queues only while compressing, which the
    // hub never negotiates, or reading a Blob).
    if (!this.server) {
      this.ws.send(Buffer.from(frame), TEXT);
      return;
    }
    const { _socket: socket, _sender: sender } = this.ws as unknown as WsInternals;
    if (socket !== undefined && sender?._queue?.length === 0 && sender._state === 0) {
      socket.write(textFrame(frame));
    } else {
      this.ws.send(frame);
    }
  }

  sendParts(parts: (string | Buffer)[]): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // One WebSocket message in fragments: the shared part is never copied into a new string.
    parts.forEach((part, i) => this.ws.send(part, { binary: false, fin: i === parts.length - 1 }));
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.CLOSED) return;
    if (this.ws.readyState === this.ws.CONNECTING) {
      this.ws.terminate();
      return;
    }
    this.ws.close(code, clampReason(reason));
    // A peer that never answers the close handshake must not hold the socket open.
    const timer = setTimeout(() => this.ws.terminate(), 5_000);
    timer.unref();
    this.ws.once('close', () => clearTimeout(timer));
  }

  /** Drops the socket without a close handshake (a peer deemed dead). */
  terminate(): void {
    this.ws.terminate();
  }

  private reportClose(code: number, reason: string): void {
    if (this.handlers === undefined) {
      this.earlyClose = [code, reason];
      return;
    }
    if (this.closedReported) return;
    this.closedReported = true;
    this.handlers?.close(code, reason);
  }
}
