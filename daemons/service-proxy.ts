import type { CallOptions, RemoteReference } from '../shared/index.js';
import { ZHubError } from '../shared/index.js';

type DisconnectCallback = (proxy: ServiceProxy) => void;

/**
 * A service as a daemon sees it: stable across reconnects. The hub client swaps the live
 * RemoteReference underneath after every (re)login, so user code keeps its proxy forever.
 * While disconnected, calls fail at once with the retryable HUB_ERR_NOT_CONNECTED.
 *
 * It has a reference's API as PB gives it: `notifyOnDisconnect(cb)` runs `cb` each time the
 * connection under it drops (the proxy itself lives on and is re-acquired), and `release()`
 * tells the hub this daemon no longer needs the service: the proxy is dead from then on
 * (calls reject with HUB_ERR_DEAD_REFERENCE, as on any released reference) and is not
 * re-acquired on reconnect. When the hub replaces the service (its module was reloaded), the
 * reference under the proxy is revoked: the disconnect callbacks run, and the client gets the
 * new service at once, on the same connection.
 */
export class ServiceProxy {
  private ref: RemoteReference | undefined;
  private released = false;
  private readonly callbacks = new Set<DisconnectCallback>();
  private readonly onRefDropped = (ref: RemoteReference): void => {
    for (const cb of [...this.callbacks]) cb(this);
    // The hub replaced the service (a reloaded module) while the connection stays up.
    if (ref.isRevoked && ref === this.ref && !this.released) this.onRevoked(this);
  };

  constructor(
    readonly name: string,
    /** @internal */ readonly listener: unknown,
    /** @internal */ readonly options: unknown,
    /** @internal Told when the proxy is released (the client stops re-acquiring it). */
    private readonly onRelease: (proxy: ServiceProxy) => void = () => undefined,
    /** @internal Told when the hub revoked the live reference: the client gets it again. */
    private readonly onRevoked: (proxy: ServiceProxy) => void = () => undefined,
  ) {}

  /** @internal The live reference, set by the hub client after each (re)login. */
  get current(): RemoteReference | undefined {
    return this.ref;
  }

  set current(ref: RemoteReference | undefined) {
    if (ref === this.ref) return;
    this.ref?.dontNotifyOnDisconnect(this.onRefDropped);
    this.ref = ref;
    if (ref !== undefined && this.released) {
      ref.release();
      this.ref = undefined;
      return;
    }
    ref?.notifyOnDisconnect(this.onRefDropped);
  }

  get connected(): boolean {
    return this.ref !== undefined && !this.ref.isDead;
  }

  /** True once released: it will never work again. */
  get isDead(): boolean {
    return this.released;
  }

  /** Runs `cb` every time the connection under this proxy drops (it is re-acquired after). */
  notifyOnDisconnect(cb: DisconnectCallback): void {
    this.callbacks.add(cb);
  }

  dontNotifyOnDisconnect(cb: DisconnectCallback): void {
    this.callbacks.delete(cb);
  }

  /** Releases the service on the hub and for good here (see the class comment). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.ref?.dontNotifyOnDisconnect(this.onRefDropped);
    this.ref?.release();
    this.ref = undefined;
    this.callbacks.clear();
    this.onRelease(this);
  }

  callRemote<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    return this.callRemoteWithOptions<T>({}, method, ...args);
  }

  callRemoteWithOptions<T = unknown>(
    options: CallOptions,
    method: string,
    ...args: unknown[]
  ): Promise<T> {
    if (this.released) {
      return Promise.reject(
        new ZHubError(
          'HUB_ERR_DEAD_REFERENCE',
          `'${this.name}' was released; '${method}' not sent (get the service again)`,
        ),
      );
    }
    const ref = this.ref;
    if (ref === undefined || ref.isDead) {
      const why = ref?.isRevoked
        ? `'${this.name}' is being replaced on the hub`
        : 'not connected to the hub';
      return Promise.reject(
        new ZHubError('HUB_ERR_NOT_CONNECTED', `${why}; '${this.name}.${method}' not sent`),
      );
    }
    return ref.callRemoteWithOptions<T>(options, method, ...args);
  }
}
