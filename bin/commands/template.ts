import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { api, printTable } from './api-client.js';
import { addClientOptions, type ClientFlags } from './options.js';

interface TemplateFlags extends ClientFlags {
  description?: string;
  datasource?: string[];
  file?: string;
}

interface Template {
  name: string;
  description: string;
  datasources: { name: string; type: string }[];
  updatedAt: number;
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${path}: ${err.code ?? err.message}`);
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${path} is not JSON: ${(err as Error).message}`);
  }
}

/** The template the flags describe: `--file` first, then `--description` and `--datasource`. */
async function body(f: TemplateFlags): Promise<Record<string, unknown>> {
  const base = f.file === undefined ? {} : await readJson(f.file);
  if (base === null || typeof base !== 'object' || Array.isArray(base))
    throw new Error(`${f.file}: a template file holds one JSON object`);
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  if (f.description !== undefined) out.description = f.description;
  if (f.datasource?.length)
    out.datasources = f.datasource.map((d) => {
      try {
        return JSON.parse(d) as unknown;
      } catch {
        throw new Error(`--datasource takes JSON, got '${d}'`);
      }
    });
  return out;
}

const fields = (c: Command): Command =>
  addClientOptions(
    c
      .option('--description <text>', 'what it monitors')
      .option(
        '--datasource <json...>',
        'datasources as JSON, e.g. \'{"name":"ping","type":"ping","datapoints":[{"name":"rtt"}]}\'',
      )
      .option('--file <template.json>', 'the template as a JSON file (the flags override it)'),
  );

/** `zhub template …`: monitoring templates, bound to devices with `zhub device edit ID --template NAME`. */
export function templateCommand(): Command {
  const template = new Command('template').description(
    'manage monitoring templates: datasources (with thresholds) defined once, bound by many devices',
  );
  template.addCommand(
    fields(new Command('add').description('add a template').argument('<name>')).action(
      async (name: string, f: TemplateFlags) => {
        const t = await api<Template>(f, 'POST', '/templates', { ...(await body(f)), name });
        console.log(`added template ${t.name} (${t.datasources.length} datasource(s))`);
      },
    ),
  );
  template.addCommand(
    fields(
      new Command('edit')
        .description('change a template: every daemon with a device bound to it gets it at once')
        .argument('<name>'),
    ).action(async (name: string, f: TemplateFlags) => {
      const patch = await body(f);
      delete patch.name;
      if (Object.keys(patch).length === 0)
        throw new Error('nothing to change: give --description, --datasource or --file');
      const t = await api<Template>(f, 'PATCH', `/templates/${encodeURIComponent(name)}`, patch);
      console.log(`updated template ${t.name} (${t.datasources.length} datasource(s))`);
    }),
  );
  template.addCommand(
    addClientOptions(
      new Command('remove')
        .description('remove a template no device or collector binds')
        .argument('<name>'),
    ).action(async (name: string, f: ClientFlags) => {
      await api(f, 'DELETE', `/templates/${encodeURIComponent(name)}`);
      console.log(`removed template ${name}`);
    }),
  );
  template.addCommand(
    addClientOptions(
      new Command('list').description('list templates').option('--json', 'print JSON'),
    ).action(async (f: ClientFlags & { json?: boolean }) => {
      const r = await api<{ templates: Template[] }>(f, 'GET', '/templates');
      if (f.json) {
        console.log(JSON.stringify(r.templates, null, 2));
        return;
      }
      printTable(
        r.templates.map((t) => ({
          name: t.name,
          datasources: t.datasources.map((d) => `${d.name} (${d.type})`).join(', '),
          description:
            t.description.length > 60 ? `${t.description.slice(0, 57)}...` : t.description,
        })),
        ['name', 'datasources', 'description'],
      );
    }),
  );
  template.addCommand(
    addClientOptions(
      new Command('show').description('show one template as JSON').argument('<name>'),
    ).action(async (name: string, f: ClientFlags) => {
      console.log(
        JSON.stringify(await api(f, 'GET', `/templates/${encodeURIComponent(name)}`), null, 2),
      );
    }),
  );
  template.addCommand(
    addClientOptions(
      new Command('import')
        .description(
          'add or replace templates from a JSON file (one template or an array), all or nothing',
        )
        .argument('[file]')
        .option(
          '--builtin',
          'restore the templates zhub ships (snmp-interfaces, host-resources, ping)',
        ),
    ).action(async (file: string | undefined, f: ClientFlags & { builtin?: boolean }) => {
      if ((file === undefined) === !f.builtin)
        throw new Error('give a file of templates, or --builtin (not both)');
      let list: unknown;
      if (f.builtin) {
        const { BUILTIN_TEMPLATES } = await import('../../hub/model/builtin-templates.js');
        list = BUILTIN_TEMPLATES;
      } else {
        const read = await readJson(file as string);
        list = Array.isArray(read) ? read : [read];
      }
      const r = await api<{ imported: number; changed: number }>(
        f,
        'POST',
        '/templates/import',
        list,
      );
      console.log(`imported ${r.imported} template(s), ${r.changed} changed`);
    }),
  );
  template.addCommand(
    addClientOptions(
      new Command('export')
        .description(
          'print templates as JSON (all, or those named), ready for zhub template import',
        )
        .argument('[names...]')
        .option('--out <file>', 'write to this file instead'),
    ).action(async (names: string[], f: ClientFlags & { out?: string }) => {
      let list = await api<Template[]>(f, 'GET', '/templates/export');
      if (names.length > 0) {
        const missing = names.filter((n) => !list.some((t) => t.name === n));
        if (missing.length > 0) throw new Error(`no template ${missing.join(', ')}`);
        list = list.filter((t) => names.includes(t.name));
      }
      const text = `${JSON.stringify(
        list.map(({ name, description, datasources }) => ({ name, description, datasources })),
        null,
        2,
      )}\n`;
      if (f.out) {
        await writeFile(f.out, text);
        console.log(`exported ${list.length} template(s) to ${f.out}`);
      } else process.stdout.write(text);
    }),
  );
  return template;
}
