// Writes the proof table into docs/reliability.md, one generated section per scenario, so a
// run of some scenarios (`--only`) replaces just theirs. Nobody edits those figures by hand.
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeMarkedSection, writeSection } from '../bench/report.js';
import type { LoadFigures } from './scenarios/load.js';
import { fmt, type ProofRow } from './support/proof-row.js';

const RELIABILITY = fileURLToPath(new URL('../docs/reliability.md', import.meta.url));

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function table(rows: ProofRow[]): string {
  return [
    '| Test | What was done | Measured | Result |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${cell(r.test)} | ${cell(r.done)} | ${cell(r.figure)} | ${r.pass ? 'pass' : '**FAIL**'} |`,
    ),
  ].join('\n');
}

export function machine(): string {
  return (
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores ` +
    `(${cpus()[0]?.model.trim() ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30)} GiB`
  );
}

export async function writeScenario(
  name: string,
  rows: ProofRow[],
  seconds: number,
): Promise<void> {
  await writeMarkedSection(
    RELIABILITY,
    'proof',
    name,
    `${table(rows)}\n\n_\`npm run proof\` (${name}), ${machine()}; ${fmt(seconds)} s._`,
  );
}

export async function writeLoadFigures(f: LoadFigures): Promise<void> {
  await writeSection(
    'proof-load',
    [
      '| Figure | Value |',
      '| --- | --- |',
      `| Daemon connections held | ${fmt(f.daemons)} |`,
      `| Time to connect and log in all | ${fmt(f.connectS, 1)} s |`,
      `| Hub memory per connection | ${fmt(f.rssPerConnKb, 1)} KB resident, ${fmt(f.heapPerConnKb, 1)} KB heap |`,
      `| Calls answered (heartbeats aside) | ${fmt(f.callsPerS)} /s |`,
      `| Call latency seen by daemons | p50 ${fmt(f.p50, 1)} ms, p99 ${fmt(f.p99, 1)} ms |`,
      `| Hub CPU at that load | ${fmt(f.cpuPercent)} % of one core |`,
      '',
      `_\`npm run proof\` (load), ${machine()}._`,
    ].join('\n'),
  );
}
