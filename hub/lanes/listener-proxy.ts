import type { RemoteReference } from '../../shared/index.js';
import { ZHubError } from '../../shared/index.js';
import type { HubService } from '../hub-service.js';
import type { ListenerInfo, PushMessage } from './worker-protocol.js';

/**
 * In a worker, a service's listeners are stand-ins for the daemons listening to the hub's
 * instance of that service: `callRemote` asks the hub's loop to make the call and answers
 * what the daemon answered. The hub sends the current listeners with every call.
 */
export class ListenerProxies {
  private readonly byId = new Map<number, RemoteReference>();
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private nextPush = 1;

  constructor(private readonly post: (m: PushMessage) => void) {}

  /** Puts the hub's current listeners of (service, monitor) in `svc.listeners`. */
  attach(svc: HubService, listeners: readonly ListenerInfo[]): void {
    const seen = new Set<number>();
    svc.listeners.length = 0;
    svc.listenerOptions.clear();
    for (const l of listeners) {
      seen.add(l.id);
      const ref = this.proxy(svc, l.id);
      svc.listeners.push(ref);
      svc.listenerOptions.set(ref, l.options);
    }
    for (const id of this.byId.keys())
      if (!seen.has(id) && this.owner.get(id) === svc) this.forget(id);
  }

  settle(id: number, ok: boolean, value: unknown, err: unknown): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    if (ok) p.resolve(value);
    else p.reject(err ?? new ZHubError('HUB_ERR_REMOTE', 'the push failed'));
  }

  private readonly owner = new Map<number, HubService>();

  private forget(id: number): void {
    this.byId.delete(id);
    this.owner.delete(id);
  }

  private proxy(svc: HubService, listener: number): RemoteReference {
    let ref = this.byId.get(listener);
    if (ref !== undefined) return ref;
    const stand = {
      connected: true,
      callRemote: (method: string, ...args: unknown[]): Promise<unknown> =>
        new Promise((resolve, reject) => {
          const id = this.nextPush++;
          this.pending.set(id, { resolve, reject });
          try {
            this.post({
              t: 'push',
              id,
              service: svc.name,
              monitor: svc.monitor,
              listener,
              method,
              args,
            });
          } catch (err) {
            this.pending.delete(id);
            reject(
              new ZHubError(
                'HUB_ERR_NOT_COPYABLE',
                `a push to a listener cannot leave the worker: ${(err as Error).message}`,
              ),
            );
          }
        }),
    };
    ref = stand as unknown as RemoteReference;
    this.byId.set(listener, ref);
    this.owner.set(listener, svc);
    return ref;
  }
}
