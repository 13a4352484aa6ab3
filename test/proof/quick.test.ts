// The quick subset of `npm run proof`, in `npm test`: the same scenarios at a smaller scale —
// real hub and daemon processes, SIGKILLs, a fault proxy — each asserting that what the
// daemons produced is stored exactly once and that no call outlives its deadline.
import { describe, expect, it } from 'vitest';
import { daemonKilled } from '../../proof/scenarios/daemon-killed.js';
import { gracefulShutdown } from '../../proof/scenarios/graceful-shutdown.js';
import { hubKilled } from '../../proof/scenarios/hub-killed.js';
import { networkFaults } from '../../proof/scenarios/network-faults.js';
import type { ProofOptions, ProofRow } from '../../proof/support/proof-row.js';

const opts: ProofOptions = { quick: true, seed: 7, log: () => undefined };

function expectPass(rows: ProofRow[]): void {
  for (const row of rows) expect(row.pass, `${row.test}: ${row.figure}`).toBe(true);
  expect(rows.length).toBeGreaterThan(0);
}

describe('proof (quick subset)', () => {
  it('hub SIGKILLed mid-stream and restarted: stored exactly what was produced', async () => {
    expectPass([await hubKilled(opts, 1)]);
  }, 180_000);

  it('daemon SIGKILLed mid-flush and restarted: its ledger stored exactly once', async () => {
    expectPass([await daemonKilled(opts)]);
  }, 180_000);

  it('graceful shutdown during ingest: quick exit, nothing acknowledged lost', async () => {
    expectPass([await gracefulShutdown(opts)]);
  }, 180_000);

  it('network faults through the proxy: calls settle within their deadline, nothing lost', async () => {
    expectPass(await networkFaults(opts));
  }, 300_000);
});
