import { Command } from 'commander';
import { api, printTable } from './api-client.js';
import { addClientOptions, intOption, type ClientFlags } from './options.js';

const SEVERITY = ['clear', 'debug', 'info', 'warning', 'error', 'critical'];

export function eventsCommand(): Command {
  const events = new Command('events').description(
    'list events (open ones by default); acknowledge or close them',
  );
  const list = addClientOptions(
    new Command('list')
      .description('list events (the default subcommand)')
      .option('--state <state>', 'open, acknowledged, closed or active', 'open')
      .option('--severity <n>', 'at least this severity (0-5)', intOption('severity', 0, 5))
      .option('--device <id>', 'only this device')
      .option('--limit <n>', 'at most this many', intOption('limit', 1, 1000), 100)
      .option('--json', 'print JSON'),
  ).action(
    async (
      f: ClientFlags & {
        state: string;
        severity?: number;
        device?: string;
        limit: number;
        json?: boolean;
      },
    ) => {
      const q = new URLSearchParams({
        state: f.state,
        limit: String(f.limit),
        ...(f.severity !== undefined ? { minSeverity: String(f.severity) } : {}),
        ...(f.device ? { device: f.device } : {}),
      });
      const r = await api<{ total: number; events: Record<string, unknown>[] }>(
        f,
        'GET',
        `/events?${q.toString()}`,
      );
      if (f.json) return console.log(JSON.stringify(r, null, 2));
      printTable(
        r.events.map((e) => ({
          ...e,
          severity: SEVERITY[e.severity as number],
          lastTime: new Date(e.lastTime as number).toISOString(),
        })),
        [
          'id',
          'severity',
          'count',
          'device',
          'component',
          'eventClass',
          'summary',
          'lastTime',
          'state',
        ],
      );
      if (r.total > r.events.length) console.log(`(${r.events.length} of ${r.total})`);
    },
  );
  events.addCommand(list, { isDefault: true });
  for (const [name, path] of [
    ['ack', 'acknowledge'],
    ['close', 'close'],
    ['reopen', 'reopen'],
  ] as const) {
    events.addCommand(
      addClientOptions(
        new Command(name).description(`${path} events by id`).argument('<ids...>'),
      ).action(async (ids: string[], f: ClientFlags) => {
        const r = await api<{ changed: number }>(f, 'POST', `/events/${path}`, {
          ids: ids.map(Number),
        });
        console.log(`${r.changed} event(s) changed`);
      }),
    );
  }
  return events;
}
