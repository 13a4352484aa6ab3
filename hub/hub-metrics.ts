import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type Metric,
} from 'prom-client';
import type { CallObserver, Referenceable } from '../shared/index.js';
import type { Refusal } from './auth/upgrade-limiter.js';
import type { PacerRefusal } from './upgrade-pacer.js';

/** Latency buckets (seconds) for RPC calls, store commits and config pushes. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Figures read when /metrics is scraped. */
export interface LiveFigures {
  /** Calls being served on every connection. */
  inFlight: () => number;
  /** Connections logged in. */
  daemons: () => number;
  connections: () => number;
  /** Upgrades waiting for their turn, and those refused so far, by reason. */
  upgrades: () => { waiting: number; refused: Record<UpgradeRefusal, number> };
}

/** Why an upgrade was refused: its address's limits (429), or the queue's (503). */
export type UpgradeRefusal = Refusal | PacerRefusal;

interface MethodCounts {
  calls: number;
  errors: number;
  inFlight: number;
  seconds: number;
  /** Per-bucket (not cumulative) counts; the last is above the largest bucket. */
  buckets: number[];
}

/** Calls, errors and latency of one service method, for the status page and `zhub status`. */
export interface MethodStats {
  service: string;
  method: string;
  calls: number;
  errors: number;
  inFlight: number;
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
  readonly ingested: Counter<'kind'>;
  readonly refused: Counter<'daemon' | 'kind' | 'reason'>;
  readonly deadLettersEvicted: Counter;
  readonly commitDuration: Histogram;
  readonly pushDuration: Histogram;
  /** service → method → figures: updated on every served call, so kept cheap (no label hashing). */
  private readonly perMethod = new Map<string, Map<string, MethodCounts>>();

  constructor(gauges: LiveFigures) {
    collectDefaultMetrics({ register: this.registry, prefix: 'zhub_' });
    // RPC figures are kept in plain counters on the call path and turned into metrics only
    // when scraped: prom-client's labelled metrics cost about a microsecond per update.
    this.registry.registerMetric({
      name: 'zhub_rpc_calls_total',
      help: 'Remote calls served, by service, method and outcome (ok or error).',
      type: 'counter',
      aggregator: 'sum',
      get: () => ({
        name: 'zhub_rpc_calls_total',
        help: 'Remote calls served, by service, method and outcome (ok or error).',
        type: 'counter',
        aggregator: 'sum',
        values: this.each().flatMap(([service, method, m]) => [
          { labels: { service, method, outcome: 'ok' }, value: m.calls - m.errors },
          { labels: { service, method, outcome: 'error' }, value: m.errors },
        ]),
      }),
    } as unknown as Metric);
    this.registry.registerMetric({
      name: 'zhub_rpc_duration_seconds',
      help: 'Time to serve a remote call, by service and method.',
      type: 'histogram',
      aggregator: 'sum',
      get: () => ({
        name: 'zhub_rpc_duration_seconds',
        help: 'Time to serve a remote call, by service and method.',
        type: 'histogram',
        aggregator: 'sum',
        values: this.each().flatMap(([service, method, m]) => {
          let cumulative = 0;
          const buckets = BUCKETS.map((le, i) => {
            cumulative += m.buckets[i] as number;
            return {
              metricName: 'zhub_rpc_duration_seconds_bucket',
              labels: { service, method, le },
              value: cumulative,
            };
          });
          return [
            ...buckets,
            {
              metricName: 'zhub_rpc_duration_seconds_bucket',
              labels: { service, method, le: '+Inf' },
              value: m.calls,
            },
            {
              metricName: 'zhub_rpc_duration_seconds_sum',
              labels: { service, method },
              value: m.seconds,
            },
            {
              metricName: 'zhub_rpc_duration_seconds_count',
              labels: { service, method },
              value: m.calls,
            },
          ];
        }),
      }),
    } as unknown as Metric);
    this.ingested = new Counter({
      name: 'zhub_ingested_total',
      help: 'Items stored from daemons: events and samples.',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.refused = new Counter({
      name: 'zhub_refused_items_total',
      help: 'Items from daemons the hub refused (acknowledged, kept as dead letters), by daemon, kind and reason.',
      labelNames: ['daemon', 'kind', 'reason'],
      registers: [this.registry],
    });
    this.deadLettersEvicted = new Counter({
      name: 'zhub_dead_letters_evicted_total',
      help: 'Dead letters deleted because the dead-letter store was full (oldest first).',
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
      name: 'zhub_upgrades_waiting',
      help: 'Admitted WebSocket upgrades waiting for their turn (one is taken per turn of the event loop).',
      registers: [this.registry],
      collect() {
        this.set(gauges.upgrades().waiting);
      },
    });
    new Gauge({
      name: 'zhub_upgrades_refused_total',
      help: 'WebSocket upgrades refused, by reason: rate and pending (429, per address), full and waited (503, the queue).',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        for (const [reason, n] of Object.entries(gauges.upgrades().refused))
          this.set({ reason }, n);
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

  private lastTarget: Referenceable | undefined;
  private lastMethod = '';
  private lastCounts: MethodCounts | undefined;

  /** The broker's call observer: figures per service and method. */
  readonly observeCall: CallObserver<MethodCounts> = {
    start: (target, method) => {
      // Calls come in runs to one method (a frame of them): the last one's figures are kept.
      let m: MethodCounts;
      if (target === this.lastTarget && method === this.lastMethod) m = this.lastCounts!;
      else {
        m = this.counts(serviceName(target), method);
        this.lastTarget = target;
        this.lastMethod = method;
        this.lastCounts = m;
      }
      m.inFlight++;
      return m;
    },
    end: (m, ok, seconds) => {
      m.inFlight--;
      m.calls++;
      if (!ok) m.errors++;
      m.seconds += seconds;
      let i = 0;
      while (i < BUCKETS.length && seconds > (BUCKETS[i] as number)) i++;
      m.buckets[i] = (m.buckets[i] as number) + 1;
    },
  };

  private counts(service: string, method: string): MethodCounts {
    let byMethod = this.perMethod.get(service);
    if (!byMethod) this.perMethod.set(service, (byMethod = new Map<string, MethodCounts>()));
    let m = byMethod.get(method);
    if (!m)
      byMethod.set(
        method,
        (m = {
          calls: 0,
          errors: 0,
          inFlight: 0,
          seconds: 0,
          buckets: new Array<number>(BUCKETS.length + 1).fill(0),
        }),
      );
    return m;
  }

  private each(): [string, string, MethodCounts][] {
    const out: [string, string, MethodCounts][] = [];
    for (const [service, byMethod] of this.perMethod)
      for (const [method, m] of byMethod) out.push([service, method, m]);
    return out;
  }

  /** Per-method figures, busiest first. */
  methods(): MethodStats[] {
    return this.each()
      .map(([service, method, m]) => ({
        service,
        method,
        calls: m.calls,
        errors: m.errors,
        inFlight: m.inFlight,
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
