import type { WebSocket } from 'ws';
import type { Transport, TransportHandlers } from './transport.js';

/** Close reasons are limited to 123 bytes by RFC 6455. */
function clampReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : Buffer.from(reason).subarray(0, 120).toString();
}

/** A {@link Transport} over a `ws` WebSocket (server side from fastify, or a client socket). */
export class WsTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  private closedReported = false;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
  ) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.ws.on('message', (data, isBinary) => handlers.message(data, isBinary));
    this.ws.on('close', (code, reason) => this.reportClose(code, reason.toString()));
    // Errors are always followed by 'close'; the listener keeps ws from throwing them.
    this.ws.on('error', () => undefined);
    if (this.ws.readyState === this.ws.CLOSED) this.reportClose(1006, 'closed before attach');
  }

  send(frame: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame);
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
    if (this.closedReported) return;
    this.closedReported = true;
    this.handlers?.close(code, reason);
  }
}
