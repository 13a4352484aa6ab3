import { Command } from 'commander';
import { api, printTable } from './api-client.js';
import { addClientOptions, intOption, keyValues as props, type ClientFlags } from './options.js';

interface DeviceFlags extends ClientFlags {
  address?: string;
  title?: string;
  collector?: string;
  prop?: string[];
  datasource?: string[];
  /** Templates to bind (zDeviceTemplates); false with --no-templates. */
  template?: string[];
  templates?: boolean;
}

function body(f: DeviceFlags): Record<string, unknown> {
  return {
    ...(f.address !== undefined ? { address: f.address } : {}),
    ...(f.title !== undefined ? { title: f.title } : {}),
    ...(f.collector !== undefined ? { collector: f.collector } : {}),
    ...(props(f.prop) ? { properties: props(f.prop) } : {}),
    ...(f.datasource?.length
      ? { datasources: f.datasource.map((d) => JSON.parse(d) as unknown) }
      : {}),
  };
}

const fields = (c: Command): Command =>
  c
    .option('--address <address>', 'host name or IP address')
    .option('--title <title>', 'display name (default: the id)')
    .option('--collector <name>', 'collector (monitor) that polls it (default localhost)')
    .option('--prop <key=value...>', 'device properties')
    .option(
      '--datasource <json...>',
      'datasources as JSON, e.g. \'{"name":"ssh","type":"port","params":{"port":22}}\'',
    )
    .option('--template <names...>', 'bind these templates (zDeviceTemplates), in this order')
    .option('--no-templates', "bind no templates (the collector's default then applies)");

/** The templates the flags bind: a list, null to unbind, undefined to leave as they are. */
function binding(f: DeviceFlags): string[] | null | undefined {
  if (f.template?.length && f.templates === false)
    throw new Error('--template and --no-templates go against each other');
  if (f.template?.length) return f.template;
  return f.templates === false ? null : undefined;
}

/** Properties with the templates bound as the flags say. */
function withBinding(
  properties: Record<string, unknown>,
  bound: string[] | null,
): Record<string, unknown> {
  const out = { ...properties };
  if (bound === null) delete out.zDeviceTemplates;
  else out.zDeviceTemplates = bound;
  return out;
}

export function deviceCommand(): Command {
  const device = new Command('device').description('manage devices (through the hub HTTP API)');
  device.addCommand(
    addClientOptions(
      fields(new Command('add').description('add a device').argument('<id>')),
    ).action(async (id: string, f: DeviceFlags) => {
      const b = body(f);
      const bound = binding(f);
      if (bound)
        b.properties = withBinding(
          (b.properties as Record<string, unknown> | undefined) ?? {},
          bound,
        );
      const d = await api<{ id: string; collector: string }>(f, 'POST', '/devices', { id, ...b });
      console.log(`added device ${d.id} on collector ${d.collector}`);
    }),
  );
  device.addCommand(
    addClientOptions(
      fields(
        new Command('edit')
          .description('change a device (moving it with --collector)')
          .argument('<id>'),
      ),
    ).action(async (id: string, f: DeviceFlags) => {
      const b = body(f);
      const bound = binding(f);
      if (bound !== undefined) {
        // The properties are replaced whole: bind on top of the ones given, else the stored ones.
        const stored =
          (b.properties as Record<string, unknown> | undefined) ??
          (
            await api<{ properties: Record<string, unknown> }>(
              f,
              'GET',
              `/devices/${encodeURIComponent(id)}`,
            )
          ).properties;
        b.properties = withBinding(stored, bound);
      }
      if (Object.keys(b).length === 0)
        throw new Error(
          'nothing to change: give --address, --title, --collector, --prop, --datasource or --template',
        );
      const d = await api<{ id: string; collector: string }>(
        f,
        'PATCH',
        `/devices/${encodeURIComponent(id)}`,
        b,
      );
      console.log(`updated device ${d.id} (collector ${d.collector})`);
    }),
  );
  device.addCommand(
    addClientOptions(
      new Command('remove').description('remove devices').argument('<ids...>'),
    ).action(async (ids: string[], f: ClientFlags) => {
      for (const id of ids) await api(f, 'DELETE', `/devices/${encodeURIComponent(id)}`);
      console.log(`removed ${ids.length} device(s)`);
    }),
  );
  device.addCommand(
    addClientOptions(
      new Command('show').description('show one device as JSON').argument('<id>'),
    ).action(async (id: string, f: ClientFlags) => {
      console.log(
        JSON.stringify(await api(f, 'GET', `/devices/${encodeURIComponent(id)}`), null, 2),
      );
    }),
  );
  device.addCommand(
    addClientOptions(
      new Command('list')
        .description('list devices')
        .option('--collector <name>', 'only this collector')
        .option('--search <text>', 'id, title or address containing the text')
        .option('--limit <n>', 'at most this many', intOption('limit', 1, 1000), 100)
        .option('--json', 'print JSON'),
    ).action(
      async (
        f: ClientFlags & { collector?: string; search?: string; limit: number; json?: boolean },
      ) => {
        const q = new URLSearchParams({
          limit: String(f.limit),
          ...(f.collector ? { collector: f.collector } : {}),
          ...(f.search ? { search: f.search } : {}),
        });
        const r = await api<{ total: number; devices: Record<string, unknown>[] }>(
          f,
          'GET',
          `/devices?${q.toString()}`,
        );
        if (f.json) return console.log(JSON.stringify(r, null, 2));
        printTable(
          r.devices.map((d) => ({ ...d, datasources: (d.datasources as unknown[]).length })),
          ['id', 'title', 'address', 'collector', 'datasources'],
        );
        if (r.total > r.devices.length)
          console.log(`(${r.devices.length} of ${r.total}; use --limit or --search)`);
      },
    ),
  );
  device.addCommand(
    addClientOptions(
      new Command('import')
        .description('add or replace devices from a JSON or CSV file, all or nothing')
        .argument('<file>'),
    ).action(async (file: string, f: ClientFlags) => {
      const { progressBar, readDeviceFile } = await import('./import-file.js');
      const devices = await readDeviceFile(file, progressBar('checking'));
      const r = await api<{ imported: number }>(
        { ...f, timeout: Math.max(f.timeout, 120_000) },
        'POST',
        '/devices/import',
        devices,
      );
      console.log(`imported ${r.imported} device(s)`);
    }),
  );
  return device;
}
