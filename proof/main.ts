// `npm run proof`: runs the proof scenarios one after another, prints the table and writes it
// to docs/reliability.md (and the load figures to docs/performance.md).
import { parseArgs } from 'node:util';
import { daemonKilled } from './scenarios/daemon-killed.js';
import { diskFull } from './scenarios/disk-full.js';
import { gracefulShutdown } from './scenarios/graceful-shutdown.js';
import { hostile } from './scenarios/hostile.js';
import { hubFrozen } from './scenarios/hub-frozen.js';
import { hubKilled } from './scenarios/hub-killed.js';
import { load } from './scenarios/load.js';
import { networkFaults } from './scenarios/network-faults.js';
import type { ProofOptions, ProofRow } from './support/proof-row.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const opts: ProofOptions = {
  quick: values.quick ?? false,
  seed: Number(values.seed),
  log: (line) => console.log(line),
};

type Scenario = { name: string; run: () => Promise<ProofRow | ProofRow[]> };
const scenarios: Scenario[] = [
  {
    name: 'hub-killed',
    run: async () =>
      opts.quick
        ? hubKilled(opts, 1)
        : [
            await hubKilled(opts, 1, opts.seed),
            await hubKilled(opts, 1, opts.seed + 1),
            await hubKilled(opts, 1, opts.seed + 2),
            await hubKilled(opts, 3, opts.seed + 3),
          ],
  },
  { name: 'daemon-killed', run: () => daemonKilled(opts) },
  { name: 'hub-frozen', run: () => hubFrozen(opts) },
  { name: 'network', run: () => networkFaults(opts) },
  { name: 'disk-full', run: () => diskFull(opts) },
  { name: 'graceful', run: () => gracefulShutdown(opts) },
  { name: 'hostile', run: () => hostile(opts) },
  { name: 'load', run: async () => (await load(opts)).rows },
];
const only = values.only?.split(',');
const rows: ProofRow[] = [];
for (const s of scenarios) {
  if (only && !only.includes(s.name)) continue;
  console.log(`▶ ${s.name}`);
  try {
    const got = await s.run();
    for (const row of Array.isArray(got) ? got : [got]) {
      rows.push(row);
      console.log(`  ${row.pass ? 'PASS' : 'FAIL'} ${row.test}: ${row.figure}`);
    }
  } catch (err) {
    rows.push({ test: s.name, done: 'did not complete', figure: String(err), pass: false });
    console.log(`  FAIL ${s.name}: ${String(err)}`);
  }
}
console.table(
  rows.map((r) => ({ test: r.test, figure: r.figure, result: r.pass ? 'pass' : 'FAIL' })),
);
process.exit(rows.every((r) => r.pass) ? 0 : 1);
