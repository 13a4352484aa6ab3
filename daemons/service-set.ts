import type { Logger, RemoteReference } from '../shared/index.js';
import { deferredList, FirstError, LOGIN_SERVICES_MAX } from '../shared/index.js';
import { ServiceProxy } from './service-proxy.js';

/** What the service set needs of its client's connection. */
export interface ServiceLink {
  /** The logged-in avatar while connected, else undefined. */
  avatar(): RemoteReference | undefined;
  whenConnected(): Promise<void>;
}

/** A service as got: a listener the hub may push to, and options for the service. */
export interface ServiceRequest {
  listener?: unknown;
  options?: unknown;
}

/**
 * The services a client holds, one proxy per name, each surviving reconnects: got again
 * (with its listener) on every login, and at once when the hub revokes one (a reloaded
 * module). A released proxy is forgotten; `getService` again makes a new one.
 */
export class ServiceSet {
  private readonly proxies = new Map<string, ServiceProxy>();
  /** Proxies asked for and not yet got (their `get` is waiting). */
  private readonly pending = new Set<ServiceProxy>();

  constructor(
    private readonly monitor: string,
    private readonly link: ServiceLink,
    private readonly log: Logger,
  ) {}

  /**
   * The proxy for `name`, acquired now — or, before the connection is up, once it is: a proxy
   * asked for then travels with the login (see {@link wanted}), a round trip saved.
   */
  async get(name: string, req: ServiceRequest): Promise<ServiceProxy> {
    let proxy = this.proxies.get(name);
    if (proxy === undefined || proxy.isDead) {
      proxy = new ServiceProxy(
        name,
        req.listener,
        req.options,
        (p) => {
          this.pending.delete(p);
          if (this.proxies.get(name) === p) this.proxies.delete(name);
        },
        (p) => this.acquireAgain(p),
      );
      this.proxies.set(name, proxy);
      this.pending.add(proxy);
    }
    try {
      const avatar = this.link.avatar();
      if (avatar) {
        proxy.current = await this.acquire(avatar, proxy);
      } else {
        await this.link.whenConnected();
        const now = this.link.avatar();
        if (now && proxy.current === undefined) proxy.current = await this.acquire(now, proxy);
      }
    } catch (err) {
      // Never got: forgotten, so that a name the hub does not serve cannot fail later logins.
      if (this.pending.delete(proxy) && this.proxies.get(name) === proxy) this.proxies.delete(name);
      throw err;
    }
    this.pending.delete(proxy);
    return proxy;
  }

  /**
   * What a login asks for besides the avatar: `getService`'s arguments for every proxy held
   * or asked for, in order. The hub answers their references with the avatar.
   */
  wanted(): { proxies: ServiceProxy[]; args: unknown[][] } {
    const proxies = [...this.proxies.values()]
      .filter((p) => !p.isDead)
      .slice(0, LOGIN_SERVICES_MAX);
    return { proxies, args: proxies.map((p) => this.argsOf(p)) };
  }

  /**
   * After a login: every proxy gets its service again — from the references that came with
   * the login (`prefetched`), else by `getService`; the first failure fails the lot. A proxy
   * still being asked for (never got) is left to its own `get` when the login brought nothing
   * for it: its error is its caller's, not the connection's.
   */
  async reacquire(
    avatar: RemoteReference,
    prefetched: ReadonlyMap<ServiceProxy, RemoteReference> = new Map(),
  ): Promise<void> {
    for (const [p, ref] of prefetched) if (this.proxies.get(p.name) !== p) ref.release();
    const proxies = [...this.proxies.values()].filter(
      (p) => prefetched.has(p) || !this.pending.has(p),
    );
    try {
      const refs = await deferredList(
        proxies.map((p) => prefetched.get(p) ?? this.acquire(avatar, p)),
        { fireOnOneErrback: true, consumeErrors: true },
      );
      refs.forEach((entry, i) => {
        const p = proxies[i] as ServiceProxy;
        p.current = entry[1] as RemoteReference;
        this.pending.delete(p);
      });
    } catch (err) {
      throw err instanceof FirstError ? (err.subFailure.value as Error) : err;
    }
  }

  /** The connection is gone: every proxy waits (calls fail with HUB_ERR_NOT_CONNECTED). */
  detach(): void {
    for (const p of this.proxies.values()) p.current = undefined;
  }

  /** The hub revoked a service (its module was reloaded): get the new one on this connection. */
  private acquireAgain(proxy: ServiceProxy): void {
    const avatar = this.link.avatar();
    if (avatar === undefined) return;
    this.acquire(avatar, proxy).then(
      (ref) => {
        if (this.link.avatar() === avatar && !proxy.isDead) proxy.current = ref;
        else ref.release();
        this.log.info({ service: proxy.name }, 'service replaced on the hub; got the new one');
      },
      (err: unknown) =>
        // The next reconnect tries again; until then calls fail with HUB_ERR_NOT_CONNECTED.
        this.log.warn({ err, service: proxy.name }, 'could not get the replaced service again'),
    );
  }

  private acquire(avatar: RemoteReference, proxy: ServiceProxy): Promise<RemoteReference> {
    return avatar.callRemote<RemoteReference>('getService', ...this.argsOf(proxy));
  }

  private argsOf(proxy: ServiceProxy): unknown[] {
    // Absent arguments are left off rather than sent as undefined: plain arguments travel
    // without value annotations.
    const args: unknown[] = [proxy.name, this.monitor];
    if (proxy.listener !== undefined || proxy.options !== undefined) args.push(proxy.listener);
    if (proxy.options !== undefined) args.push(proxy.options);
    return args;
  }
}
