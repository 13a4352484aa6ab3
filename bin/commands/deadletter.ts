import { Command } from 'commander';
import { api, printTable } from './api-client.js';
import { addClientOptions, intOption, type ClientFlags } from './options.js';

/** `zhub deadletter list|show`: the items the hub refused (acknowledged, never stored as data). */
export function deadletterCommand(): Command {
  const dl = new Command('deadletter').description(
    'items the hub refused from daemons (kept so that no loss is silent)',
  );
  dl.addCommand(
    addClientOptions(
      new Command('list')
        .description('list dead letters, newest first')
        .option('--daemon <name>', 'only this daemon (its name, or user:name)')
        .option('--limit <n>', 'at most this many', intOption('limit', 1, 1000), 100)
        .option('--json', 'print JSON'),
    ).action(async (f: ClientFlags & { daemon?: string; limit: number; json?: boolean }) => {
      const q = new URLSearchParams({
        limit: String(f.limit),
        ...(f.daemon ? { daemon: f.daemon } : {}),
      });
      const r = await api<{ total: number; letters: Record<string, unknown>[] }>(
        f,
        'GET',
        `/deadletters?${q.toString()}`,
      );
      if (f.json) return console.log(JSON.stringify(r, null, 2));
      printTable(
        r.letters.map((l) => ({ ...l, at: new Date(l.at as number).toISOString() })),
        ['id', 'at', 'daemon', 'kind', 'seq', 'reason', 'message'],
      );
      console.log(`(${r.letters.length} of ${r.total})`);
    }),
  );
  dl.addCommand(
    addClientOptions(
      new Command('show').description('one dead letter with the refused item').argument('<id>'),
    ).action(async (id: string, f: ClientFlags) => {
      const letter = await api<Record<string, unknown>>(
        f,
        'GET',
        `/deadletters/${encodeURIComponent(id)}`,
      );
      let item: unknown = letter.item;
      try {
        item = JSON.parse(letter.item as string);
      } catch {
        // clipped: shown as text
      }
      console.log(JSON.stringify({ ...letter, item }, null, 2));
    }),
  );
  return dl;
}
