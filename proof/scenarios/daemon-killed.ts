// Daemon killed: a daemon holding a full spool is SIGKILLed while batches are in flight and
// restarted from the same spool (twice in the full run); the hub must end up with its ledger
// exactly once — no batch resent after its acknowledgement was lost, none skipped.
import { checkLedger, describeCheck, exact, type LedgerEntry } from '../support/ledger.js';
import { DaemonProcess, HubProcess, tempDir, waitFor } from '../support/processes.js';
import { fmt, type ProofOptions, type ProofRow } from '../support/proof-row.js';

export async function daemonKilled(opts: ProofOptions): Promise<ProofRow> {
  const items = opts.quick ? 10_000 : 40_000;
  const kills = opts.quick ? 1 : 2;
  const entry: LedgerEntry = { daemon: 'killed-0', events: items / 2, samples: items / 2 };
  const dir = tempDir('proof-daemon');
  const hub = await HubProcess.create();
  await hub.start();
  let daemon = new DaemonProcess(hub.url, entry, dir, Infinity);
  const marks: number[] = [];
  try {
    for (let k = 0; k < kills; k++) {
      // Mid-flush: some batches acknowledged, others in flight.
      const target = ((k + 1) * entry.samples) / (kills + 2);
      const waiting = daemon;
      await waitFor(() => waiting.acked > target, 60_000, 'acknowledgements').catch(async (err) => {
        const hubSaw = await hub
          .metrics(['zhub_ingested_total', 'zhub_rpc_in_flight'])
          .catch((e: Error) => e.message);
        throw new Error(
          `${(err as Error).message} (kill ${k + 1}: acked ${waiting.acked} of ${target}, ` +
            `sender ${waiting.senderFigures}, last line ${Date.now() - waiting.lastLineAt} ms ago, ` +
            `hub ${JSON.stringify(hubSaw)}, connects ${waiting.connects.length}, disconnects ${waiting.disconnects.length}, ` +
            `daemon ${await waiting.diagnose()}): ` +
            waiting.output,
        );
      });
      marks.push(daemon.acked);
      await daemon.kill();
      daemon = new DaemonProcess(hub.url, entry, dir, Infinity, 1_000, false);
    }
    await daemon.finished(120_000);
    await hub.stop();
    const check = await checkLedger(hub.dataDir, [entry]);
    return {
      test: 'Daemon killed mid-flush',
      done:
        `one daemon spools ${fmt(items)} events and samples and sends them; SIGKILLed ` +
        `${kills}× with batches in flight (metrics mark ${marks.map((m) => fmt(m)).join(', ')}) ` +
        `and restarted from its spool`,
      figure: describeCheck(check),
      pass: exact(check),
    };
  } finally {
    if (daemon.child.exitCode === null) await daemon.kill();
    await hub.stop();
  }
}
