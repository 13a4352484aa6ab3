// Graceful shutdown during ingest: SIGTERM while daemons stream. The hub must exit within
// 10 s, and after a restart the store must hold exactly what the daemons produced — nothing
// acknowledged before the shutdown lost, nothing stored twice.
import { Fleet } from '../support/fleet.js';
import { describeCheck, exact } from '../support/ledger.js';
import { HubProcess, sleep } from '../support/processes.js';
import { fmt, type ProofOptions, type ProofRow } from '../support/proof-row.js';

export async function gracefulShutdown(opts: ProofOptions): Promise<ProofRow> {
  const daemons = opts.quick ? 2 : 5;
  const items = opts.quick ? 4_000 : 20_000;
  const hub = await HubProcess.create();
  await hub.start();
  const fleet = new Fleet(hub, { daemons, items, seconds: 10, name: 'graceful' });
  try {
    await fleet.producing();
    await sleep(3_000);
    opts.log(`  SIGTERM hub (${fmt(fleet.produced)} produced so far)`);
    const { code, ms } = await hub.stop();
    await sleep(1_000);
    await hub.start();
    const drained = await fleet.finished();
    const check = await fleet.check();
    return {
      test: 'Graceful shutdown during ingest',
      done: `${daemons} daemons stream ${fmt(daemons * items)} events and samples; SIGTERM to the hub mid-stream, restarted 1 s after it exited`,
      figure: `exited in ${fmt(ms)} ms with code ${code}; ${describeCheck(check)}; all drained ${fmt(drained, 1)} s after start`,
      pass: exact(check) && code === 0 && ms <= 10_000,
    };
  } finally {
    fleet.kill();
    await hub.stop();
  }
}
