/**
 * What the broker needs from a connection. Implemented over `ws` sockets (ws-transport.ts) and,
 * in tests, by an in-memory pair. The broker never touches a socket directly.
 */
export interface TransportHandlers {
  message(data: string | Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void;
  close(code: number, reason: string): void;
}

export interface Transport {
  /** Queues one text frame. Never throws for a closed transport: the close handler reports that. */
  send(frame: string): void;
  /**
   * Optional: sends one text message made of several parts without joining them first (a
   * payload encoded once for many peers is written from the same buffer to each socket).
   */
  sendParts?(parts: (string | Buffer)[]): void;
  /** Starts a clean close; `close` handlers run once it is done (or at once for a dead link). */
  close(code: number, reason: string): void;
  /** Drops the link at once, without a close handshake (a peer deemed dead or hostile). */
  terminate(): void;
  /** Bytes queued but not yet written: a peer that stops reading makes this grow. */
  readonly bufferedAmount: number;
  /** Address of the peer, for logs and rate limits. */
  readonly remoteAddress: string;
  attach(handlers: TransportHandlers): void;
  /**
   * A client's transport: the hub read the first frame from the upgrade request (see
   * late-transport.ts), so it is not to be sent again. Absent: it was not.
   */
  readonly upgradeFrameTaken?: boolean | undefined;
}
