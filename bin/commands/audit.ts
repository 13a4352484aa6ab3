import { Command } from 'commander';
import { api, printTable } from './api-client.js';
import { addClientOptions, intOption, type ClientFlags } from './options.js';

/** `zhub audit`: who changed what and when (admins only). */
export function auditCommand(): Command {
  return addClientOptions(
    new Command('audit')
      .description('the audit log: changes to devices, collectors, events and users, newest first')
      .option('--by <name>', 'only changes by this user (users-file: reloads of the users file)')
      .option('--limit <n>', 'at most this many', intOption('limit', 1, 1000), 100)
      .option('--json', 'print JSON'),
  ).action(async (f: ClientFlags & { by?: string; limit: number; json?: boolean }) => {
    const q = new URLSearchParams({ limit: String(f.limit), ...(f.by ? { user: f.by } : {}) });
    const r = await api<{ total: number; entries: Record<string, unknown>[] }>(
      f,
      'GET',
      `/audit?${q.toString()}`,
    );
    if (f.json) return console.log(JSON.stringify(r, null, 2));
    printTable(
      r.entries.map((e) => ({ ...e, at: new Date(e.at as number).toISOString() })),
      ['at', 'user', 'action', 'target'],
    );
    console.log(`(${r.entries.length} of ${r.total})`);
  });
}
