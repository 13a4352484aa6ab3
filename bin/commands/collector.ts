import { Command } from 'commander';
import { api, printTable } from './api-client.js';
import { addClientOptions, type ClientFlags } from './options.js';

export function collectorCommand(): Command {
  const collector = new Command('collector').description('manage collectors (monitors)');
  collector.addCommand(
    addClientOptions(
      new Command('add')
        .description('add a collector, or set properties of one')
        .argument('<name>')
        .option('--cycle-interval <seconds>', 'seconds between collection cycles')
        .option('--prop <key=value...>', 'other properties'),
    ).action(async (name: string, f: ClientFlags & { cycleInterval?: string; prop?: string[] }) => {
      const properties: Record<string, unknown> = {};
      for (const p of f.prop ?? []) {
        const i = p.indexOf('=');
        if (i < 1) throw new Error(`--prop takes key=value, got '${p}'`);
        properties[p.slice(0, i)] = p.slice(i + 1);
      }
      if (f.cycleInterval !== undefined) properties.cycleInterval = Number(f.cycleInterval);
      const c = await api<{ name: string; generation: number }>(f, 'POST', '/collectors', {
        name,
        properties,
      });
      console.log(`collector ${c.name} (generation ${c.generation})`);
    }),
  );
  collector.addCommand(
    addClientOptions(new Command('list').description('list collectors')).action(
      async (f: ClientFlags) => {
        const r = await api<{
          collectors: { name: string; generation: number; properties: Record<string, unknown> }[];
        }>(f, 'GET', '/collectors');
        printTable(
          r.collectors.map((c) => ({
            name: c.name,
            generation: c.generation,
            cycleInterval: c.properties.cycleInterval,
          })),
          ['name', 'generation', 'cycleInterval'],
        );
      },
    ),
  );
  collector.addCommand(
    addClientOptions(
      new Command('remove').description('remove a collector without devices').argument('<name>'),
    ).action(async (name: string, f: ClientFlags) => {
      await api(f, 'DELETE', `/collectors/${encodeURIComponent(name)}`);
      console.log(`removed collector ${name}`);
    }),
  );
  return collector;
}
