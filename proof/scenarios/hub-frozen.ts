// Hub frozen: SIGSTOP for 20 s, then SIGCONT. The daemons must notice through their pings,
// reconnect once the hub runs again, and deliver everything exactly once.
import { Fleet } from '../support/fleet.js';
import { describeCheck, exact } from '../support/ledger.js';
import { HubProcess, sleep } from '../support/processes.js';
import { fmt, type ProofOptions, type ProofRow } from '../support/proof-row.js';

export async function hubFrozen(opts: ProofOptions): Promise<ProofRow> {
  const freezeS = opts.quick ? 8 : 20;
  const daemons = opts.quick ? 2 : 5;
  const items = opts.quick ? 4_000 : 20_000;
  const pingMs = 2_000;
  const hub = await HubProcess.create();
  await hub.start();
  const fleet = new Fleet(hub, { daemons, items, seconds: freezeS + 10, pingMs, name: 'frozen' });
  try {
    await fleet.producing();
    await sleep(2_000);
    opts.log(`  SIGSTOP hub (${fmt(fleet.produced)} produced so far)`);
    const frozenAt = Date.now();
    await hub.kill('SIGSTOP');
    await sleep(freezeS * 1_000);
    await hub.kill('SIGCONT');
    const drained = await fleet.finished();
    const detect = fleet.daemons.map((d) => {
      const t = d.disconnects.find((at) => at >= frozenAt);
      return t === undefined ? Infinity : t - frozenAt;
    });
    const reconnected = fleet.daemons.every((d) => d.connects.some((at) => at > frozenAt));
    const check = await fleet.check();
    const slowest = Math.max(...detect);
    return {
      test: 'Hub frozen',
      done:
        `${daemons} daemons stream ${fmt(daemons * items)} events and samples (ping every ` +
        `${pingMs / 1000} s, ${(2 * pingMs) / 1000} s to answer); hub SIGSTOPped for ${freezeS} s, then SIGCONT`,
      figure:
        `every daemon noticed within ${fmt(slowest / 1000, 1)} s and reconnected; ` +
        `${describeCheck(check)}; all drained ${fmt(drained, 1)} s after start`,
      pass: exact(check) && slowest <= 3 * pingMs + 1_000 && reconnected,
    };
  } finally {
    if (hub.running) await hub.kill('SIGCONT');
    fleet.kill();
    await hub.stop();
  }
}
