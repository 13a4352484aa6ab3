import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallObserver, Referenceable } from '../shared/index.js';

/** Latency buckets (seconds) for RPC calls, store commits and config pushes. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Calls, errors and latency of one service method, for the status page and `zhub status`. */
export interface MethodStats {
  service: string;
  method: string;
  calls: number;
  errors: number;
  /** Latency quantiles in ms, estimated from the histogram buckets. */
  p50Ms: number;
  p99Ms: number;
}

/**
 * The hub's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * two hubs in one process, or an application's own metrics, do not collide).
 */
export class HubMetrics {
  readonly registry = new Registry();
  readonly rpcCalls: Counter<'service' | 'method' | 'outcome'>;
  readonly rpcDuration: Histogram<'service' | 'method'>;
  readonly ingested: Counter<'kind'>;
  readonly commitDuration: Histogram;
  readonly pushDuration: Histogram;
  private readonly perMethod = new Map<
    string,
    { service: string; method: string; calls: number; errors: number; buckets: number[] }
  >();

  constructor(gauges: {
    inFlight: () => number;
    daemons: () => number;
    connections: () => number;
  }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'zhub_' });
    this.rpcCalls = new Counter({
      name: 'zhub_rpc_calls_total',
      help: 'Remote calls served, by service, method and outcome (ok or error).',
      labelNames: ['service', 'method', 'outcome'],
      registers: [this.registry],
    });
    this.rpcDuration = new Histogram({
      name: 'zhub_rpc_duration_seconds',
      help: 'Time to serve a remote call, by service and method.',
      labelNames: ['service', 'method'],
      buckets: BUCKETS,
      registers: [this.registry],
    });
    this.ingested = new Counter({
      name: 'zhub_ingested_total',
      help: 'Items stored from daemons: events and samples.',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.commitDuration = new Histogram({
      name: 'zhub_store_commit_seconds',
      help: 'Duration of one group commit of ingest batches.',
      buckets: BUCKETS,
      registers: [this.registry],
    });
    this.pushDuration = new Histogram({
      name: 'zhub_config_push_seconds',
      help: 'From a model change being flushed to a listening daemon acknowledging a pushed batch.',
      buckets: BUCKETS,
      registers: [this.registry],
    });
    new Gauge({
      name: 'zhub_rpc_in_flight',
      help: 'Calls being served right now.',
      registers: [this.registry],
      collect() {
        this.set(gauges.inFlight());
      },
    });
    new Gauge({
      name: 'zhub_daemons_connected',
      help: 'Logged-in daemon connections.',
      registers: [this.registry],
      collect() {
        this.set(gauges.daemons());
      },
    });
    new Gauge({
      name: 'zhub_connections',
      help: 'Open connections, logged in or not.',
      registers: [this.registry],
      collect() {
        this.set(gauges.connections());
      },
    });
  }

  /** The broker's call observer: one report per served call. */
  readonly observeCall: CallObserver = (
    target: Referenceable,
    method: string,
    ok: boolean,
    seconds: number,
  ): void => {
    const service = serviceName(target);
    this.rpcCalls.inc({ service, method, outcome: ok ? 'ok' : 'error' });
    this.rpcDuration.observe({ service, method }, seconds);
    const key = `${service}\u0000${method}`;
    let m = this.perMethod.get(key);
    if (!m)
      this.perMethod.set(
        key,
        (m = {
          service,
          method,
          calls: 0,
          errors: 0,
          buckets: new Array<number>(BUCKETS.length + 1).fill(0),
        }),
      );
    m.calls++;
    if (!ok) m.errors++;
    let i = 0;
    while (i < BUCKETS.length && seconds > (BUCKETS[i] as number)) i++;
    m.buckets[i] = (m.buckets[i] as number) + 1;
  };

  /** Per-method figures, busiest first. */
  methods(): MethodStats[] {
    return [...this.perMethod.values()]
      .map((m) => ({
        service: m.service,
        method: m.method,
        calls: m.calls,
        errors: m.errors,
        p50Ms: quantile(m.buckets, m.calls, 0.5),
        p99Ms: quantile(m.buckets, m.calls, 0.99),
      }))
      .sort((a, b) => b.calls - a.calls);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.registry.clear();
  }
}

function serviceName(target: Referenceable): string {
  const named = target as { name?: unknown; monitor?: unknown };
  return typeof named.name === 'string' && typeof named.monitor === 'string'
    ? named.name
    : target.constructor.name;
}

/** The upper bound (ms) of the bucket holding quantile `q`. */
function quantile(buckets: number[], total: number, q: number): number {
  if (total === 0) return 0;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i] as number;
    if (seen >= total * q)
      return (BUCKETS[i] ?? (BUCKETS[BUCKETS.length - 1] as number) * 2) * 1000;
  }
  return (BUCKETS[BUCKETS.length - 1] as number) * 1000;
}
