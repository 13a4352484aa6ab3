import { Command } from 'commander';
import type { LanesStatus, MethodStats } from '../../hub/index.js';
import { api, printTable } from './api-client.js';
import { addClientOptions, type ClientFlags } from './options.js';

interface Status {
  now: number;
  connections: number;
  daemonsTotal: number;
  daemonsConnected: number;
  daemons: {
    daemon: string;
    type: string;
    monitor: string;
    address: string;
    connected: boolean;
    connectedSince: number;
    leftAt: number | null;
    lastHeartbeat: number | null;
    heartbeatOverdue: boolean;
    figures: Record<string, number>;
    callsServed: number;
  }[];
  methods: MethodStats[];
  lanes: LanesStatus;
  ingest: { commits: number; jobs: number; queued: number; healthy: boolean };
  store: { kind: string; samples: number; events: { rows: number; occurrences: number } };
}

const ago = (now: number, t: number | null): string =>
  t === null ? 'never' : `${Math.round((now - t) / 1000)} s ago`;

export function statusCommand(): Command {
  return addClientOptions(
    new Command('status')
      .description("the connected daemons and the hub's figures")
      .option('--json', 'print JSON')
      .option('--workers', "the worker lanes and workers: each worker's call and for how long"),
  ).action(async (f: ClientFlags & { json?: boolean; workers?: boolean }) => {
    const s = await api<Status>(f, 'GET', '/status');
    if (f.json) return console.log(JSON.stringify(f.workers ? s.lanes : s, null, 2));
    if (f.workers) return printLanes(s.lanes);
    console.log(
      `daemons: ${s.daemonsConnected} logged in, ${s.daemonsTotal - s.daemonsConnected} recently gone, ${s.connections} connections`,
    );
    printTable(
      s.daemons.map((d) => ({
        ...d,
        state: d.connected
          ? `connected ${ago(s.now, d.connectedSince)}`
          : `left ${ago(s.now, d.leftAt)}`,
        heartbeat: `${ago(s.now, d.lastHeartbeat)}${d.heartbeatOverdue ? ' OVERDUE' : ''}`,
        spool: d.figures.spoolDepth ?? '',
        tasks:
          d.figures.tasks === undefined
            ? ''
            : `${d.figures.tasksRunning}/${d.figures.tasksQueued} of ${d.figures.tasks}`,
      })),
      ['daemon', 'type', 'monitor', 'address', 'state', 'heartbeat', 'spool', 'tasks'],
    );
    console.log(
      `\nstore: ${s.store.kind}, ${s.store.samples} samples, ${s.store.events.rows} events (${s.store.events.occurrences} occurrences); ` +
        `ingest: ${s.ingest.commits} commits, ${s.ingest.queued} queued${s.ingest.healthy ? '' : ', LAST COMMIT FAILED'}\n`,
    );
    printTable(
      s.methods.slice(0, 20).map((m) => ({ ...m, p50: `${m.p50Ms} ms`, p99: `${m.p99Ms} ms` })),
      ['service', 'method', 'calls', 'errors', 'inFlight', 'p50', 'p99'],
    );
  });
}

/** `zhub status --workers`: ZenHub's SIGUSR2 worker report, live. */
function printLanes(l: LanesStatus): void {
  if (!l.active) {
    console.log(`worker lanes: off (${l.reason ?? 'no reason given'})`);
    return;
  }
  const r = l.restarts;
  console.log(
    `worker lanes: ${l.workers.length} of ${l.threads} threads running; replaced: ${r.recycled} recycled, ${r.deadline} at a deadline, ${r.died} died, ${r.startFailed} failed to start\n`,
  );
  printTable(
    l.lanes.map((lane) => ({ ...lane, lane: lane.name, deadline: `${lane.deadlineMs} ms` })),
    [
      'lane',
      'weight',
      'queued',
      'running',
      'completed',
      'refused',
      'timeouts',
      'retried',
      'deadline',
    ],
  );
  console.log('');
  printTable(
    l.workers.map((w) => ({
      worker: w.id,
      state: w.state,
      calls: w.calls,
      heap: `${Math.round(w.heapBytes / 1048576)} MiB`,
      running: w.running
        ? `${w.running.service}.${w.running.method} (${w.running.monitor}${w.running.daemon ? `, ${w.running.daemon}` : ''}) for ${w.running.ms} ms`
        : '',
    })),
    ['worker', 'state', 'calls', 'heap', 'running'],
  );
}
