import type { Clock, Contract, Logger, RemoteReference } from '../shared/index.js';
import { brandAcrossCopies, Referenceable } from '../shared/index.js';
import type { HubEnvironment } from './hub-environment.js';
import type { HubMetrics } from './hub-metrics.js';
import type { LaneName } from '../shared/index.js';

/**
 * Where calls to a service or method run: the hub's loop, or a worker lane (with its
 * deadline in ms and whether the method is safe to run twice).
 */
export type LaneSpec =
  'loop' | LaneName | { lane: 'loop' | LaneName; deadlineMs?: number; idempotent?: boolean };

/**
 * What a service may use of the hub: the store and the few collaborators services need —
 * not the operators' device model, the sessions or the HTTP side. The hub's environment has
 * all of it; a service sees only this.
 */
export type ServiceEnvironment = Pick<
  HubEnvironment,
  'store' | 'changes' | 'heartbeats' | 'ingest' | 'limits' | 'refusals' | 'claims'
> & {
  /** The instruments services feed (push latency, items ingested). */
  metrics: Pick<HubMetrics, 'pushDuration' | 'ingested'>;
};

/** What the hub gives each service instance. */
export interface ServiceContext {
  /** The service's registered name. */
  name: string;
  /** The collector ("monitor") this instance serves: one instance per (monitor, service). */
  monitor: string;
  /** A child logger bound to `{ service, monitor }`. */
  log: Logger;
  clock: Clock;
  /** The store and the hub-wide collaborators a service uses (changes, heartbeats, ingest…). */
  env: ServiceEnvironment;
}

/** The identity of the daemon on the other end of a call (see `static withCaller`). */
export interface Caller {
  /** The authenticated user. */
  user: string;
  /** The daemon's own name, given at login. */
  daemon: string;
  /** The daemon's collector type, given at login (e.g. `port`). */
  type: string;
  /** The peer address. */
  address: string;
  /** The daemon's spool id, given at login ('' when it has none: the CLI, old daemons). */
  instance?: string;
}

/** The key of a daemon's delivery marks and claims: its user and its name, both from the session. */
export function daemonKey(caller: { user: string; daemon: string }): string {
  return `${caller.user}:${caller.daemon}`;
}

/** The key of one spool's own marks under a daemon name (see EventService.getDeliveryMarks). */
export function instanceKey(caller: {
  user: string;
  daemon: string;
  instance?: string;
}): string | undefined {
  return caller.instance ? `${daemonKey(caller)}#${caller.instance}` : undefined;
}

/**
 * Base class of every hub service (ZenHub's HubService). Methods named `remote_<name>` are
 * callable by daemons as `callRemote('<name>', ...)`; nothing else is.
 *
 * A daemon that passed a listener to `getService` is in `this.listeners`; push to it with
 * `listener.callRemote(...)`. Listeners are removed when their connection drops.
 *
 * A method listed in the class's static `withCaller` array receives the {@link Caller} as its
 * first argument, before the wire arguments: identity comes from the session, never from
 * what the daemon sends.
 */
export class HubService extends Referenceable {
  /** Name to register under; defaults to the class name. */
  static serviceName?: string;
  /**
   * The service's contract (see `defineContract`): every call's arguments are checked against
   * it before the method runs, and it names the service when `serviceName` is not given.
   */
  static contract?: Contract;
  /**
   * Where the service runs: `'loop'` (the hub's event loop, the default) or a worker lane
   * (`'events'`, `'singleDevice'`, `'other'`, `'config'`, `'modelling'`), optionally with a
   * deadline and whether a call may be run again when its worker dies. The hub config's
   * `lanes.routes` overrides it. See docs/operations.md#worker-lanes.
   */
  static lane?: LaneSpec;
  /** Per-method lanes (method names without `remote_`), over `lane`. */
  static methodLanes?: Readonly<Record<string, LaneSpec>>;
  /**
   * The URL of the module that defines the class (`import.meta.url`), for a class registered
   * in code that is to run in a worker lane; classes loaded from `--services` have theirs.
   */
  static moduleUrl?: string;

  readonly name: string;
  readonly monitor: string;
  readonly log: Logger;
  protected readonly clock: Clock;
  protected readonly env: ServiceEnvironment;
  readonly listeners: RemoteReference[] = [];
  readonly listenerOptions = new Map<RemoteReference, unknown>();

  constructor(ctx: ServiceContext) {
    super();
    this.name = ctx.name;
    this.monitor = ctx.monitor;
    this.log = ctx.log;
    this.clock = ctx.clock;
    this.env = ctx.env;
  }

  /** Called by the hub when a daemon passes a listener to getService. */
  addListener(listener: RemoteReference, options?: unknown): void {
    if (!this.listeners.includes(listener)) this.listeners.push(listener);
    this.listenerOptions.set(listener, options);
  }

  /** Called by the hub when the listener's connection drops. */
  removeListener(listener: RemoteReference): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
    this.listenerOptions.delete(listener);
  }

  /** Called when the hub shuts down; release timers and handles here. */
  close(): void | Promise<void> {}
}

// A service class from another copy of zhub (the module's own install) is still a service.
brandAcrossCopies(HubService, 'HubService');

/** A class that can be registered as a hub service. */
export type ServiceClass = (new (ctx: ServiceContext) => HubService) & {
  serviceName?: string;
  lane?: LaneSpec;
  methodLanes?: Readonly<Record<string, LaneSpec>>;
  moduleUrl?: string;
  /** The service's contract: its methods' arguments are checked before they run. */
  contract?: Contract;
};
