import { Command } from 'commander';
import { api, printTable } from './api-client.js';
import { addClientOptions, intOption, type ClientFlags } from './options.js';

interface DeviceFlags extends ClientFlags {
  address?: string;
  title?: string;
  collector?: string;
  prop?: string[];
  datasource?: string[];
}

/** `key=value` pairs to an object; values that parse as JSON are taken as JSON. */
function props(pairs: string[] | undefined): Record<string, unknown> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i < 1) throw new Error(`--prop takes key=value, got '${p}'`);
    const raw = p.slice(i + 1);
    try {
      out[p.slice(0, i)] = JSON.parse(raw);
    } catch {
      out[p.slice(0, i)] = raw;
    }
  }
  return out;
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
    );

export function deviceCommand(): Command {
  const device = new Command('device').description('manage devices (through the hub HTTP API)');
  device.addCommand(
    addClientOptions(
      fields(new Command('add').description('add a device').argument('<id>')),
    ).action(async (id: string, f: DeviceFlags) => {
      const d = await api<{ id: string; collector: string }>(f, 'POST', '/devices', {
        id,
        ...body(f),
      });
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
      const d = await api<{ id: string; collector: string }>(
        f,
        'PATCH',
        `/devices/${encodeURIComponent(id)}`,
        body(f),
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
