import { brandAcrossCopies } from '../brand.js';
/** How a RemoteReference reaches its connection; implemented by the Broker. */
export interface RefOwnerLink {
  readonly closed: boolean;
  callRef(
    ref: RemoteReference,
    method: string,
    args: unknown[],
    opts: CallOptions,
  ): Promise<unknown>;
  releaseRef(ref: RemoteReference): void;
  reportCallbackError(err: unknown, what: string): void;
}

export interface CallOptions {
  /** Deadline for this call in ms (default: the connection's `callTimeoutMs`, 30 s). */
  timeoutMs?: number;
}

/**
 * PB's RemoteReference: a proxy for an object on the other side of one connection. It dies
 * with that connection: calls on a dead reference reject at once with HUB_ERR_DEAD_REFERENCE.
 */
export class RemoteReference {
  private disconnectCallbacks: Set<(ref: RemoteReference) => void> | undefined;
  /** @internal times this id was received; sent back with a release. */
  receipts = 1;
  /** @internal */
  released = false;
  /** True once the owner stopped exporting the object (a reloaded service): it is dead. */
  isRevoked = false;

  /** @internal */
  constructor(
    /** @internal */ readonly link: RefOwnerLink,
    /** The peer's id for the object. */
    readonly id: number,
  ) {}

  /** Calls `remote_<method>` on the peer's object. */
  callRemote<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    return this.link.callRef(this, method, args, {}) as Promise<T>;
  }

  /** `callRemote` with per-call options, such as a deadline. */
  callRemoteWithOptions<T = unknown>(
    options: CallOptions,
    method: string,
    ...args: unknown[]
  ): Promise<T> {
    return this.link.callRef(this, method, args, options) as Promise<T>;
  }

  /** True once the connection has closed, or the reference was released or revoked. */
  get isDead(): boolean {
    return this.released || this.isRevoked || this.link.closed;
  }

  /** Runs `cb` once when the connection drops or the owner revokes it (at once if it already has). */
  notifyOnDisconnect(cb: (ref: RemoteReference) => void): void {
    if (this.link.closed || this.isRevoked) {
      this.runCallback(cb);
      return;
    }
    (this.disconnectCallbacks ??= new Set()).add(cb);
  }

  dontNotifyOnDisconnect(cb: (ref: RemoteReference) => void): void {
    this.disconnectCallbacks?.delete(cb);
  }

  /** Tells the owner this side no longer needs the object; the reference becomes dead. */
  release(): void {
    if (this.released || this.isRevoked || this.link.closed) return;
    this.released = true;
    this.link.releaseRef(this);
  }

  /** @internal called by the broker when the owner revoked the object: dead, callbacks run. */
  revoked(): void {
    this.isRevoked = true;
    this.disconnected();
  }

  /** @internal called by the broker when the connection is gone. */
  disconnected(): void {
    const cbs = this.disconnectCallbacks;
    this.disconnectCallbacks = undefined;
    if (cbs) for (const cb of cbs) this.runCallback(cb);
  }

  private runCallback(cb: (ref: RemoteReference) => void): void {
    try {
      cb(this);
    } catch (err) {
      this.link.reportCallbackError(err, 'notifyOnDisconnect callback');
    }
  }
}

// A reference made by another copy of zhub in this process is a reference too.
brandAcrossCopies(RemoteReference, 'RemoteReference');
