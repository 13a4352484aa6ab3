import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

export interface CliTimes {
  command: string;
  /** Median ms from spawn to exit: the built package (what users run). */
  builtMs: number;
  /** The same through tsx from the TypeScript sources (how the package ran before it was built). */
  sourcesMs: number;
}

async function median(args: string[], rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await run(process.execPath, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Start-to-finish times of CLI commands, built against from sources, in one run. */
export async function cliBench(rounds: number): Promise<CliTimes[]> {
  const built = `${root}dist/bin/cli.js`;
  if (!existsSync(built)) throw new Error('no build: run npm run build first');
  const tsxSources = ['--import', 'tsx', `${root}bin/cli.ts`];
  const commands: [string, string[]][] = [
    ['zhub --help', ['--help']],
    [
      'zhub call AddService add 1 2 --embedded',
      ['call', 'AddService', 'add', '1', '2', '--embedded'],
    ],
  ];
  const out: CliTimes[] = [];
  for (const [command, args] of commands) {
    out.push({
      command,
      builtMs: await median([built, ...args], rounds),
      sourcesMs: await median([...tsxSources, ...args], rounds),
    });
  }
  return out;
}
