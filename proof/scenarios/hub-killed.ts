// Hub killed: daemons stream while the hub is SIGKILLed at random moments and restarted 2 s
// later; after the spools drain, the store must hold exactly what the daemons produced.
import { Fleet } from '../support/fleet.js';
import { describeCheck, exact } from '../support/ledger.js';
import { HubProcess, sleep } from '../support/processes.js';
import { fmt, seeded, type ProofOptions, type ProofRow } from '../support/proof-row.js';

export async function hubKilled(
  opts: ProofOptions,
  kills: number,
  seed = opts.seed,
): Promise<ProofRow> {
  const daemons = opts.quick ? 3 : 10;
  const items = opts.quick ? 2_000 : 10_000;
  const seconds = opts.quick ? 6 : 12;
  const random = seeded(seed);
  // Kill moments spread over the production window, in order.
  const moments = Array.from({ length: kills }, () => 1_000 + random() * (seconds - 1) * 1_000)
    .sort((a, b) => a - b)
    .map(Math.round);
  const hub = await HubProcess.create();
  await hub.start();
  const fleet = new Fleet(hub, { daemons, items, seconds });
  try {
    await fleet.producing();
    let at = 0;
    for (const moment of moments) {
      await sleep(Math.max(0, moment - at));
      opts.log(`  SIGKILL hub at ${moment} ms (${fmt(fleet.produced)} produced so far)`);
      await hub.kill('SIGKILL');
      await sleep(2_000);
      await hub.start();
      at = moment + 2_000;
    }
    const drainedAfter = await fleet.finished();
    const check = await fleet.check();
    return {
      test:
        kills === 1
          ? `Hub killed (seed ${seed})`
          : `Hub killed ${kills}× in one run (seed ${seed})`,
      done:
        `${daemons} daemon processes stream ${fmt(daemons * items)} events and samples; ` +
        `hub SIGKILLed at ${moments.map((m) => `${fmt(m / 1000, 1)} s`).join(', ')}, restarted 2 s later`,
      figure: `${describeCheck(check)}; all drained ${fmt(drainedAfter, 1)} s after start`,
      pass: exact(check),
    };
  } finally {
    fleet.kill();
    await hub.stop();
  }
}
