import type { CallOptions, RemoteReference } from '../shared/index.js';
import { ZHubError } from '../shared/index.js';

/**
 * A service as a daemon sees it: stable across reconnects. The hub client swaps the live
 * RemoteReference underneath after every (re)login, so user code keeps its proxy forever.
 * While disconnected, calls fail at once with the retryable HUB_ERR_NOT_CONNECTED.
 */
export class ServiceProxy {
  /** @internal */ current: RemoteReference | undefined;

  constructor(
    readonly name: string,
    /** @internal */ readonly listener: unknown,
    /** @internal */ readonly options: unknown,
  ) {}

  get connected(): boolean {
    return this.current !== undefined && !this.current.isDead;
  }

  callRemote<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    return this.callRemoteWithOptions<T>({}, method, ...args);
  }

  callRemoteWithOptions<T = unknown>(
    options: CallOptions,
    method: string,
    ...args: unknown[]
  ): Promise<T> {
    const ref = this.current;
    if (ref === undefined || ref.isDead) {
      return Promise.reject(
        new ZHubError(
          'HUB_ERR_NOT_CONNECTED',
          `not connected to the hub; '${this.name}.${method}' not sent`,
        ),
      );
    }
    return ref.callRemoteWithOptions<T>(options, method, ...args);
  }
}
