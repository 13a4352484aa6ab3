import { Command } from 'commander';
import { api, printTable } from './api-client.js';
import { addClientOptions, keyValues, type ClientFlags } from './options.js';

type PropertyFlags = ClientFlags & {
  cycleInterval?: string;
  configCycleInterval?: string;
  prop?: string[];
};

function propertyOptions(cmd: Command): Command {
  return addClientOptions(
    cmd
      .option('--cycle-interval <seconds>', 'seconds between collection cycles')
      .option('--config-cycle-interval <seconds>', 'seconds between full configuration pulls')
      .option(
        '--prop <key=value...>',
        'other properties (a value that parses as JSON is taken as JSON)',
      ),
  );
}

/** The properties the flags set; numbers are checked here, not by the hub's refusal. */
function collectorProperties(f: PropertyFlags): Record<string, unknown> {
  const properties: Record<string, unknown> = keyValues(f.prop) ?? {};
  const seconds = (flag: string, v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`${flag} takes a number of seconds, got '${v}'`);
    return n;
  };
  if (f.cycleInterval !== undefined)
    properties.cycleInterval = seconds('--cycle-interval', f.cycleInterval);
  if (f.configCycleInterval !== undefined)
    properties.configCycleInterval = seconds('--config-cycle-interval', f.configCycleInterval);
  return properties;
}

export function collectorCommand(): Command {
  const collector = new Command('collector').description('manage collectors (monitors)');
  collector.addCommand(
    propertyOptions(
      new Command('add')
        .description('add a collector, or set properties of one')
        .argument('<name>'),
    ).action(async (name: string, f: PropertyFlags) => {
      const c = await api<{ name: string; generation: number }>(f, 'POST', '/collectors', {
        name,
        properties: collectorProperties(f),
      });
      console.log(`collector ${c.name} (generation ${c.generation})`);
    }),
  );
  collector.addCommand(
    propertyOptions(
      new Command('edit')
        .description("change an existing collector's properties (its daemons get them at once)")
        .argument('<name>'),
    ).action(async (name: string, f: PropertyFlags) => {
      const properties = collectorProperties(f);
      if (Object.keys(properties).length === 0)
        throw new Error(
          'nothing to change: give --cycle-interval, --config-cycle-interval or --prop',
        );
      const c = await api<{ name: string; generation: number }>(
        f,
        'PATCH',
        `/collectors/${encodeURIComponent(name)}`,
        { properties },
      );
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
