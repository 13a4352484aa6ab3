// npm run bench: measures zhub against raw ws and rpc-websockets (separate server and client
// processes), prints ratios to raw ws, checks the targets, and writes docs/performance.md.
import { cpus } from 'node:os';
import { rpcBench, type RpcResults } from './rpc-bench.js';
import { writeSection } from './report.js';
import { TARGETS } from './targets.js';

const quick = process.argv.includes('--quick');
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const durationMs = Number(process.env.BENCH_SECONDS ?? (quick ? 1 : 3)) * 1000;
const warmMs = quick ? 500 : 1500;

console.log(
  `zhub bench: ${rounds} round(s) of ${durationMs / 1000} s per run, ${cpus().length} cores, Node ${process.version}`,
);
const results = await rpcBench({ rounds, warmMs, durationMs, log: (s) => console.log(s) });

const fmt = (n: number, d = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function table(r: RpcResults): string {
  const lines = [
    '| In flight | Stack | Calls/s | vs raw ws | p50 ms | vs raw ws | p99 ms | Server CPU µs/call |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const inflight of Object.keys(r)) {
    const byTarget = r[inflight] as RpcResults[string];
    const base = byTarget['raw-ws'];
    for (const t of TARGETS) {
      const x = byTarget[t];
      lines.push(
        `| ${inflight} | ${t} | ${fmt(x.callsPerSec)} | ${(x.callsPerSec / base.callsPerSec).toFixed(2)}× | ${fmt(x.p50, 3)} | ${(x.p50 / base.p50).toFixed(2)}× | ${fmt(x.p99, 3)} | ${fmt(x.cpuPerCallUs, 1)} |`,
      );
    }
  }
  return lines.join('\n');
}

const one = results['1'] as RpcResults[string];
const many = results['256'] as RpcResults[string];
const checks = [
  {
    what: 'p50 with 1 in flight within 1.2× raw ws',
    ok: one.zhub.p50 <= 1.2 * one['raw-ws'].p50,
    figure: `${(one.zhub.p50 / one['raw-ws'].p50).toFixed(2)}×`,
  },
  {
    what: 'calls/s with 256 in flight at least raw ws',
    ok: many.zhub.callsPerSec >= many['raw-ws'].callsPerSec,
    figure: `${(many.zhub.callsPerSec / many['raw-ws'].callsPerSec).toFixed(2)}×`,
  },
  {
    what: 'calls/s with 256 in flight ahead of rpc-websockets',
    ok: many.zhub.callsPerSec > many['rpc-websockets'].callsPerSec,
    figure: `${(many.zhub.callsPerSec / many['rpc-websockets'].callsPerSec).toFixed(2)}×`,
  },
];
const checkTable = [
  '| Target | Measured | Met |',
  '| --- | ---: | --- |',
  ...checks.map((c) => `| ${c.what} | ${c.figure} | ${c.ok ? 'yes' : 'no'} |`),
].join('\n');

const body = `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` on this project's machine (${cpus().length} cores, Node ${process.version}); ${rounds} round(s) of ${durationMs / 1000} s per run, median run shown. Server and client run in separate processes on 127.0.0.1; every stack answers \`add(1, 2)\`.

${table(results)}

${checkTable}`;
console.log(`\n${table(results)}\n\n${checkTable}`);
await writeSection('rpc', body);
console.log('\nwrote docs/performance.md');
process.exit(0);
