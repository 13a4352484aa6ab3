import { pino } from 'pino';
import type {
  CallInvoker,
  Clock,
  LaneLimits,
  LaneName,
  Logger,
  RemoteMethod,
  RemoteReference,
  WorkerPoolLimits,
} from '../../shared/index.js';
import { DEFAULT_WORKER_POOL, ZHubError } from '../../shared/index.js';
import { HubService, type Caller, type LaneSpec, type ServiceClass } from '../hub-service.js';
import type { HubMetrics } from '../hub-metrics.js';
import type { ServiceRegistry } from '../service-registry.js';
import type { WorkerStoreSpec } from '../store/store.js';
import { LaneRoutes, type Route } from './lane-routes.js';
import { LaneScheduler, type LaneFigures } from './lane-scheduler.js';
import { registerLaneMetrics } from './lane-metrics.js';
import type { LogMessage, MetricMessage, PushMessage } from './worker-protocol.js';
import {
  WorkerPool,
  type RestartCounts,
  type WorkerCall,
  type WorkerFigures,
} from './worker-pool.js';

/** The hub config's `lanes` section. */
export interface LanesOptions extends Partial<WorkerPoolLimits> {
  /** `Service:method → lane` (either may be `*`); see LaneRoutes for what wins. */
  routes?: Readonly<Record<string, LaneSpec>>;
  /** Per-lane weight, queue bound and deadline over the defaults. */
  lanes?: Partial<Record<LaneName, Partial<LaneLimits>>>;
}

/** The lanes and workers, as `/api/status`, the status page and `zhub status --workers` show them. */
export interface LanesStatus {
  /** Worker lanes run (false: every call runs on the loop, and `reason` says why). */
  active: boolean;
  reason: string | null;
  threads: number;
  lanes: LaneFigures[];
  workers: WorkerFigures[];
  restarts: RestartCounts;
}

const LEVELS = pino.levels.labels;

/**
 * Worker lanes for one hub: the routing table, the lane scheduler and the worker pool, and
 * the call invoker the hub's connections use. A method routed to the loop runs at once, as
 * without lanes; one routed to a worker lane is checked on the loop (contract, caller), waits
 * in its lane and runs in a worker, whose answer is sent from the loop. The listeners of the
 * hub's instance of the service stay here; a worker's pushes come back through `push`.
 */
export class WorkerLanes {
  readonly scheduler: LaneScheduler<WorkerCall>;
  readonly pool: WorkerPool;
  private readonly routes: LaneRoutes;
  private readonly routeCache = new WeakMap<object, Map<string, Route>>();
  private lastRoute: [Class: object | undefined, method: string, route: Route] = [
    undefined,
    '',
    { lane: 'loop', deadlineMs: undefined, idempotent: false },
  ];
  private readonly listenerIds = new WeakMap<RemoteReference, number>();
  private readonly warnedNoModule = new Set<string>();
  private nextListener = 1;
  private readonly threads: number;

  constructor(
    options: LanesOptions,
    spec: WorkerStoreSpec,
    private readonly registry: ServiceRegistry,
    metrics: HubMetrics,
    clock: Clock,
    private readonly log: Logger,
    limits: Record<string, unknown>,
  ) {
    const poolLimits: WorkerPoolLimits = { ...DEFAULT_WORKER_POOL, ...definedOnly(options) };
    this.threads = poolLimits.threads;
    this.routes = new LaneRoutes(options.routes);
    this.pool = new WorkerPool(
      { store: spec, logLevel: log.level, niceness: poolLimits.niceness, limits },
      poolLimits,
      {
        push: (m) => this.push(m),
        log: (m, worker) => this.workerLog(m, worker),
        metric: (m) => this.metric(metrics, m),
      },
      clock,
      log.child({ lanes: true }),
    );
    const observed = registerLaneMetrics(metrics.registry, () => this.status());
    this.scheduler = new LaneScheduler(this.pool, clock, options.lanes, observed);
  }

  /** The broker's invoker: here, or through a lane to a worker. */
  readonly invoke: CallInvoker = (target, name, method, args, caller) => {
    if (!(target instanceof HubService)) return runHere(target, method, args, caller);
    const route = this.routeOf(target, name);
    if (route.lane === 'loop') return runHere(target, method, args, caller);
    const module = this.registry.moduleOf(target.name);
    if (module === undefined) {
      if (!this.warnedNoModule.has(target.name)) {
        this.warnedNoModule.add(target.name);
        this.log.warn(
          { service: target.name, lane: route.lane },
          'routed to a worker lane but registered without its module (set static moduleUrl = import.meta.url, or load it with --services): it runs on the loop',
        );
      }
      return runHere(target, method, args, caller);
    }
    return this.scheduler.submit(
      route.lane,
      {
        module,
        service: target.name,
        monitor: target.monitor,
        method: name,
        args,
        caller: method.withCaller ? plainCaller(caller as Caller) : undefined,
        daemon: (caller as Caller | undefined)?.daemon ?? '',
        listeners: target.listeners.map((ref) => ({
          id: this.listenerId(ref),
          options: target.listenerOptions.get(ref),
        })),
      },
      {
        ...(route.deadlineMs !== undefined ? { deadlineMs: route.deadlineMs } : {}),
        idempotent: route.idempotent,
      },
    );
  };

  status(): LanesStatus {
    return {
      active: true,
      reason: null,
      threads: this.threads,
      lanes: this.scheduler.figures(),
      workers: this.pool.figures(),
      restarts: { ...this.pool.restarts },
    };
  }

  /** Answers waiting calls HUB_ERR_SHUTTING_DOWN and stops the workers. */
  async close(): Promise<void> {
    this.scheduler.close();
    await this.pool.close();
  }

  private routeOf(target: HubService, method: string): Route {
    const Class = target.constructor as ServiceClass;
    // Calls come in runs to one method: the last route found is kept.
    if (Class === this.lastRoute[0] && method === this.lastRoute[1]) return this.lastRoute[2];
    const route = this.findRoute(Class, target, method);
    this.lastRoute = [Class, method, route];
    return route;
  }

  private findRoute(Class: ServiceClass, target: HubService, method: string): Route {
    let byMethod = this.routeCache.get(Class);
    if (byMethod === undefined) this.routeCache.set(Class, (byMethod = new Map<string, Route>()));
    let route = byMethod.get(method);
    if (route === undefined) {
      route = this.routes.resolve(target.name, method, Class);
      byMethod.set(method, route);
    }
    return route;
  }

  private listenerId(ref: RemoteReference): number {
    let id = this.listenerIds.get(ref);
    if (id === undefined) this.listenerIds.set(ref, (id = this.nextListener++));
    return id;
  }

  private push(m: PushMessage): Promise<unknown> {
    const svc = this.registry.existing(m.service, m.monitor);
    const ref = svc?.listeners.find((l) => this.listenerIds.get(l) === m.listener);
    if (ref === undefined)
      return Promise.reject(
        new ZHubError('HUB_ERR_DEAD_REFERENCE', 'the listener is no longer connected', {
          retryable: true,
        }),
      );
    return ref.callRemote(m.method, ...m.args);
  }

  private workerLog(m: LogMessage, worker: number): void {
    const { level: _level, msg, ...rest } = m.record;
    const name = (LEVELS[m.level] ?? 'info') as 'info';
    this.log.child({ worker })[name](rest, typeof msg === 'string' ? msg : '');
  }

  private metric(metrics: HubMetrics, m: MetricMessage): void {
    if (m.name === 'pushDuration') metrics.pushDuration.observe(m.value);
    else metrics.ingested.inc(m.labels ?? {}, m.value);
  }
}

function runHere(target: object, method: RemoteMethod, args: unknown[], caller: unknown): unknown {
  return method.withCaller
    ? method.fn.call(target, caller, ...args)
    : method.fn.apply(target, args);
}

/** The caller's identity as plain data (the session object stays on the loop). */
function plainCaller(c: Caller): Caller {
  return {
    user: c.user,
    daemon: c.daemon,
    type: c.type,
    address: c.address,
    ...(c.instance !== undefined ? { instance: c.instance } : {}),
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
