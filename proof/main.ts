// `npm run proof`: runs the proof scenarios one after another, prints each result and the
// table, and writes each scenario's table to docs/reliability.md (the load figures also to
// docs/performance.md). `--quick` runs the small versions and writes nothing; `--only a,b`
// runs some; `--soak` runs the one-hour soak instead (`--soak-minutes` to change its length).
import { parseArgs } from 'node:util';
import { writeLoadFigures, writeScenario } from './report.js';
import { daemonKilled } from './scenarios/daemon-killed.js';
import { diskFull } from './scenarios/disk-full.js';
import { gracefulShutdown } from './scenarios/graceful-shutdown.js';
import { hostile } from './scenarios/hostile.js';
import { hubFrozen } from './scenarios/hub-frozen.js';
import { hubKilled } from './scenarios/hub-killed.js';
import { load } from './scenarios/load.js';
import { networkFaults } from './scenarios/network-faults.js';
import { soak } from './scenarios/soak.js';
import type { ProofOptions, ProofRow } from './support/proof-row.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
    soak: { type: 'boolean', default: false },
    'soak-minutes': { type: 'string', default: '60' },
  },
});
const opts: ProofOptions = {
  quick: values.quick ?? false,
  seed: Number(values.seed),
  log: (line) => console.log(line),
};
const write = !opts.quick;

const scenarios: { name: string; run: () => Promise<ProofRow[]> }[] = values.soak
  ? [{ name: 'soak', run: () => soak(opts, Number(values['soak-minutes'])) }]
  : [
      {
        name: 'hub-killed',
        run: async () =>
          opts.quick
            ? [await hubKilled(opts, 1)]
            : [
                await hubKilled(opts, 1, opts.seed),
                await hubKilled(opts, 1, opts.seed + 1),
                await hubKilled(opts, 1, opts.seed + 2),
                await hubKilled(opts, 3, opts.seed + 3),
              ],
      },
      { name: 'daemon-killed', run: async () => [await daemonKilled(opts)] },
      { name: 'hub-frozen', run: async () => [await hubFrozen(opts)] },
      { name: 'network', run: () => networkFaults(opts) },
      { name: 'disk-full', run: async () => [await diskFull(opts)] },
      { name: 'graceful', run: async () => [await gracefulShutdown(opts)] },
      { name: 'hostile', run: () => hostile(opts) },
      {
        name: 'load',
        run: async () => {
          const { rows, figures } = await load(opts);
          if (write && rows.every((r) => r.pass)) await writeLoadFigures(figures);
          return rows;
        },
      },
    ];

const only = values.only?.split(',');
const all: ProofRow[] = [];
for (const s of scenarios) {
  if (only && !only.includes(s.name)) continue;
  console.log(`▶ ${s.name}`);
  const t0 = performance.now();
  let rows: ProofRow[];
  try {
    rows = await s.run();
  } catch (err) {
    rows = [{ test: s.name, done: 'did not complete', figure: String(err), pass: false }];
  }
  for (const row of rows) console.log(`  ${row.pass ? 'PASS' : 'FAIL'} ${row.test}: ${row.figure}`);
  all.push(...rows);
  if (write) await writeScenario(s.name, rows, (performance.now() - t0) / 1000);
}
console.log('');
console.table(
  all.map((r) => ({ test: r.test, measured: r.figure, result: r.pass ? 'pass' : 'FAIL' })),
);
const failed = all.filter((r) => !r.pass).length;
console.log(failed === 0 ? `all ${all.length} proofs pass` : `${failed} of ${all.length} FAILED`);
process.exit(failed === 0 ? 0 : 1);
