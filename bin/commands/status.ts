import { Command } from 'commander';
import type { MethodStats } from '../../hub/index.js';
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
  ingest: { commits: number; jobs: number; queued: number; healthy: boolean };
  store: { kind: string; samples: number; events: { rows: number; occurrences: number } };
}

const ago = (now: number, t: number | null): string =>
  t === null ? 'never' : `${Math.round((now - t) / 1000)} s ago`;

export function statusCommand(): Command {
  return addClientOptions(
    new Command('status')
      .description("the connected daemons and the hub's figures")
      .option('--json', 'print JSON'),
  ).action(async (f: ClientFlags & { json?: boolean }) => {
    const s = await api<Status>(f, 'GET', '/status');
    if (f.json) return console.log(JSON.stringify(s, null, 2));
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
