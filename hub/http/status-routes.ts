import { daemonKey } from '../hub-service.js';
import type { FastifyInstance } from 'fastify';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';
import type { DepartedDaemon } from '../fleet-record.js';

/**
 * Operator endpoints: `/health` (the process answers), `/ready` (the store commits and the hub
 * accepts daemons; 503 otherwise), `/metrics` (Prometheus text format, unauthenticated as
 * scrapers expect: bind the hub or filter the port accordingly).
 */
export function registerStatusRoutes(app: FastifyInstance, hub: Hub): void {
  app.get('/health', () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const store = (await hub.env.store.healthy()) && hub.env.ingest.healthy;
    const accepting = hub.accepting;
    const ready = store && accepting;
    return reply.code(ready ? 200 : 503).send({ ready, store, accepting });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await hub.env.metrics.text();
    return reply.type(hub.env.metrics.registry.contentType).send(text);
  });
}

/** What `GET /api/status` answers: the daemons and the hub's figures. */
export async function hubStatus(
  hub: Hub,
  page: { offset?: number; limit?: number } = {},
): Promise<unknown> {
  const now = hub.clock.now();
  const beats = new Map(hub.env.heartbeats.list().map((h) => [h.daemon, h]));
  const row = (sess: Session | DepartedDaemon, leftAt: number | null) => {
    const beat = beats.get(sess.daemon);
    return {
      daemon: sess.daemon,
      type: sess.type,
      monitor: sess.monitor,
      user: sess.user,
      address: sess.address,
      hub: hub.name,
      connected: leftAt === null,
      connectedSince: sess.loggedInAt,
      leftAt,
      lastHeartbeat: beat?.lastBeat ?? null,
      heartbeatOverdue: beat?.overdue ?? false,
      figures: beat?.figures ?? {},
      /** Items of this daemon's the hub refused since it started (kept as dead letters). */
      refused: hub.env.refusals.count(sess.daemon),
      /** The last second spool refused under this daemon's name (HUB_ERR_DUPLICATE_DAEMON). */
      duplicate: hub.env.claims.duplicateOf(sess) ?? null,
      instance: sess.instance,
      callsServed: 'broker' in sess ? sess.broker.stats.callsServed : sess.callsServed,
      inFlight: 'broker' in sess ? sess.broker.inFlight : 0,
    };
  };
  const live = [...hub.sessions].filter((s) => s.loggedIn);
  const liveKeys = new Set(live.map((s) => daemonKey(s)));
  const departed = [...hub.fleet.departed.entries()]
    .filter(([key]) => !liveKeys.has(key))
    .reverse();
  // With a store shared by several hubs: the daemons the others hold, from the fleet table.
  const fleet = (await hub.env.store.fleet?.list(1_000)) ?? [];
  const ours = new Set([...liveKeys, ...departed.map(([key]) => key)]);
  const elsewhere = fleet
    .filter((m) => !ours.has(m.key))
    .map((m) => ({
      daemon: m.daemon,
      type: m.type,
      monitor: m.monitor,
      user: m.user,
      address: m.address,
      hub: m.hub,
      connected: m.connected,
      connectedSince: m.connectedSince,
      leftAt: m.leftAt,
      lastHeartbeat: m.lastBeat,
      heartbeatOverdue: m.lastBeat !== null && now - m.lastBeat > (m.timeoutMs ?? Infinity),
      figures: m.figures,
      refused: hub.env.refusals.count(m.daemon),
      duplicate: null,
      instance: '',
      callsServed: null,
      inFlight: null,
    }));
  const daemons = [
    ...live.map((s) => row(s, null)),
    ...elsewhere.filter((d) => d.connected),
    ...departed.map(([, d]) => row(d.record, d.leftAt)),
    ...elsewhere.filter((d) => !d.connected),
  ];
  // One page of daemons (connected first): a thousand of them must not mean a megabyte a poll.
  const offset = page.offset ?? 0;
  const limit = page.limit ?? 200;
  return {
    now,
    connections: hub.sessions.size,
    /** Upgrades waiting for their turn, and refused so far (429 per address, 503 queue). */
    upgrades: hub.upgradeFigures(),
    daemonsTotal: daemons.length,
    daemonsConnected: live.length + elsewhere.filter((d) => d.connected).length,
    hub: hub.name,
    security: hub.security,
    daemons: daemons.slice(offset, offset + limit),
    services: hub.registry
      .allInstances()
      .map((s) => ({ service: s.name, monitor: s.monitor, listeners: s.listeners.length })),
    methods: hub.env.metrics.methods(),
    /** Worker lanes: per lane its queue and figures, per worker the call it runs and for how long. */
    lanes: hub.lanesStatus(),
    ingest: {
      ...hub.env.ingest.stats,
      queued: hub.env.ingest.queued,
      healthy: hub.env.ingest.healthy,
    },
    store: {
      kind: hub.env.store.kind,
      samples: await hub.env.store.metrics.countSamples(),
      events: await hub.env.store.events.countEvents(),
    },
  };
}
