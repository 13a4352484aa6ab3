import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { writeScaffold, type ScaffoldKind } from './scaffold.js';

function ownVersion(): string {
  // bin/commands/new.ts in a checkout, dist/bin/commands/new.js in the package.
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'zhub' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return '0.1.0';
}

export function newCommand(): Command {
  return new Command('new')
    .description(
      'create a project of your own: a service (contract, service, test) or a collector (plug-in, test)',
    )
    .addArgument(
      new Command()
        .createArgument('<kind>', 'service or collector')
        .choices(['service', 'collector']),
    )
    .argument('<name>', 'the project name, e.g. disk-usage (the classes become DiskUsage…)')
    .addOption(new Option('--dir <dir>', 'where to write it (default ./<name>)'))
    .action(async (kind: ScaffoldKind, name: string, opts: { dir?: string }) => {
      const { dir, files } = await writeScaffold(kind, name, opts.dir, ownVersion());
      console.log(`created ${dir}`);
      for (const f of files) console.log(`  ${f}`);
      console.log(`\nnext:\n  cd ${dir}\n  npm install\n  npm test`);
    });
}
