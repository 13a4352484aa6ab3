import type { FastifyInstance } from 'fastify';
import type { Hub } from '../hub.js';

/**
 * Operator endpoints: `/health` (the process answers), `/ready` (the store commits and the hub
 * accepts daemons; 503 otherwise), `/metrics` (Prometheus text format, unauthenticated as
 * scrapers expect: bind the hub or filter the port accordingly).
 */
export function registerStatusRoutes(app: FastifyInstance, hub: Hub): void {
  app.get('/health', () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const store = hub.env.store.healthy() && hub.env.ingest.healthy;
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
export function hubStatus(hub: Hub): unknown {
  const now = hub.clock.now();
  const beats = new Map(hub.env.heartbeats.list().map((h) => [h.daemon, h]));
  const daemons = [...hub.sessions]
    .filter((s) => s.loggedIn)
    .map((s) => {
      const beat = beats.get(s.daemon);
      return {
        daemon: s.daemon,
        type: s.type,
        user: s.user,
        address: s.address,
        connectedSince: s.loggedInAt,
        lastHeartbeat: beat?.lastBeat ?? null,
        heartbeatOverdue: beat?.overdue ?? false,
        callsServed: s.broker.stats.callsServed,
        inFlight: s.broker.inFlight,
      };
    });
  return {
    now,
    connections: hub.sessions.size,
    daemons,
    services: hub.registry
      .allInstances()
      .map((s) => ({ service: s.name, monitor: s.monitor, listeners: s.listeners.length })),
    methods: hub.env.metrics.methods(),
    ingest: {
      ...hub.env.ingest.stats,
      queued: hub.env.ingest.queued,
      healthy: hub.env.ingest.healthy,
    },
    store: {
      kind: hub.env.store.kind,
      samples: hub.env.store.metrics.countSamples(),
      events: hub.env.store.events.countEvents(),
    },
  };
}
