import { Gauge, Histogram, type Registry } from 'prom-client';
import type { LaneObserver } from './lane-scheduler.js';
import type { LanesStatus } from './worker-lanes.js';

/** Wait and run buckets (seconds): from a quick read to a long modelling run. */
const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The lanes' and workers' Prometheus metrics: wait and run histograms per lane (fed as calls
 * go), and gauges and counters read from the lanes' figures when `/metrics` is scraped.
 */
export function registerLaneMetrics(registry: Registry, status: () => LanesStatus): LaneObserver {
  const wait = new Histogram({
    name: 'zhub_lane_wait_seconds',
    help: 'Time a call waited in its lane for a worker.',
    labelNames: ['lane'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const run = new Histogram({
    name: 'zhub_lane_run_seconds',
    help: 'Time a worker took to run a call, by lane and outcome.',
    labelNames: ['lane', 'outcome'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const perLane = (
    name: string,
    help: string,
    field: 'queued' | 'running' | 'refused' | 'timeouts' | 'retried',
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ['lane'],
      registers: [registry],
      collect() {
        for (const l of status().lanes) this.set({ lane: l.name }, l[field]);
      },
    });
  };
  perLane('zhub_lane_queue_depth', 'Calls waiting in the lane.', 'queued');
  perLane('zhub_lane_in_progress', 'Calls of the lane running in workers.', 'running');
  perLane('zhub_lane_refused_total', 'Calls answered HUB_ERR_BUSY: the lane was full.', 'refused');
  perLane(
    'zhub_lane_timeouts_total',
    'Calls answered HUB_ERR_TIMEOUT at the lane deadline.',
    'timeouts',
  );
  perLane(
    'zhub_lane_retried_total',
    'Idempotent calls run again after their worker died.',
    'retried',
  );
  new Gauge({
    name: 'zhub_worker_calls',
    help: 'Calls a live lane worker has run.',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of status().workers) this.set({ worker: String(w.id) }, w.calls);
    },
  });
  new Gauge({
    name: 'zhub_worker_heap_bytes',
    help: "A live lane worker's JavaScript heap after its last call.",
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of status().workers) this.set({ worker: String(w.id) }, w.heapBytes);
    },
  });
  new Gauge({
    name: 'zhub_worker_restarts_total',
    help: 'Lane workers replaced, by reason (deadline, died, recycled, startFailed).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const [reason, n] of Object.entries(status().restarts) as [string, number][])
        this.set({ reason }, n);
    },
  });
  return {
    waited: (lane, seconds) => wait.observe({ lane }, seconds),
    ran: (lane, seconds, ok) => run.observe({ lane, outcome: ok ? 'ok' : 'error' }, seconds),
  };
}
