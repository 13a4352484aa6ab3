import type { LaneName } from '../../shared/index.js';
import { LANE_NAMES, ZHubError } from '../../shared/index.js';
import type { LaneSpec, ServiceClass } from '../hub-service.js';

/** Where one method's calls run. */
export interface Route {
  lane: 'loop' | LaneName;
  /** Overrides the lane's deadline. */
  deadlineMs: number | undefined;
  /** Run once more on another worker when its worker dies mid-call. */
  idempotent: boolean;
}

const KEY = /^(\*|[A-Za-z][A-Za-z0-9_.-]{0,99}):(\*|[A-Za-z_][A-Za-z0-9_]{0,99})$/;
const LANES = new Set<string>(['loop', ...LANE_NAMES]);

function toRoute(spec: LaneSpec, where: string): Route {
  const s = typeof spec === 'string' ? { lane: spec } : spec;
  if (!LANES.has(s.lane))
    throw new ZHubError(
      'HUB_ERR_CONFIG',
      `${where}: no lane '${String(s.lane)}' (one of loop, ${LANE_NAMES.join(', ')})`,
    );
  return { lane: s.lane, deadlineMs: s.deadlineMs, idempotent: s.idempotent ?? false };
}

/**
 * The routing table `service:method → lane`. What decides, first match wins:
 *
 * 1. the hub config's `Service:method`, then `Service:*` (the operator's word on one service);
 * 2. the service's own `static methodLanes[method]`, then `static lane`;
 * 3. the hub config's `*:method`, then `*:*` (the default for services that say nothing);
 * 4. the hub's loop.
 */
export class LaneRoutes {
  private readonly table = new Map<string, Route>();

  constructor(config: Readonly<Record<string, LaneSpec>> = {}) {
    for (const [key, spec] of Object.entries(config)) {
      if (!KEY.test(key))
        throw new ZHubError(
          'HUB_ERR_CONFIG',
          `lanes.routes: '${key.slice(0, 100)}' is not Service:method (either may be *)`,
        );
      this.table.set(key, toRoute(spec, `lanes.routes['${key}']`));
    }
  }

  resolve(service: string, method: string, Class: ServiceClass | undefined): Route {
    const t = this.table;
    const own =
      (Class?.methodLanes && Object.hasOwn(Class.methodLanes, method)
        ? Class.methodLanes[method]
        : undefined) ?? Class?.lane;
    return (
      t.get(`${service}:${method}`) ??
      t.get(`${service}:*`) ??
      (own === undefined ? undefined : toRoute(own, `${service}.lane`)) ??
      t.get(`*:${method}`) ??
      t.get('*:*') ?? { lane: 'loop', deadlineMs: undefined, idempotent: false }
    );
  }
}
