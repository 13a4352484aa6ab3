// A fleet of ledger daemons streaming into one hub, and the end-of-run check that every item
// they produced is stored exactly once.
import { join } from 'node:path';
import { checkLedger, type LedgerCheck, type LedgerEntry } from './ledger.js';
import { DaemonProcess, tempDir, waitFor, type HubProcess } from './processes.js';

export interface FleetOptions {
  daemons: number;
  /** Items per daemon, half events and half samples. */
  items: number;
  /** Seconds the production is spread over. */
  seconds: number;
  pingMs?: number;
  /** Hub URL the daemons use (default the hub's own; a proxy's for network faults). */
  url?: string;
  name?: string;
}

export class Fleet {
  readonly daemons: DaemonProcess[] = [];
  readonly startedAt = performance.now();

  constructor(
    readonly hub: HubProcess,
    readonly options: FleetOptions,
  ) {
    const half = Math.floor(options.items / 2);
    const perSecond = half / options.seconds;
    for (let i = 0; i < options.daemons; i++) {
      const entry: LedgerEntry = {
        daemon: `${options.name ?? 'proof'}-${i}`,
        events: half,
        samples: options.items - half,
      };
      const dir = tempDir('proof-daemon');
      this.daemons.push(
        new DaemonProcess(options.url ?? hub.url, entry, join(dir), perSecond, options.pingMs),
      );
    }
  }

  get produced(): number {
    return this.daemons.reduce((n, d) => n + d.produced.events + d.produced.samples, 0);
  }

  /** Waits until every daemon is producing (process start-up takes a few seconds). */
  async producing(): Promise<void> {
    await waitFor(() => this.daemons.every((d) => d.produced.samples > 0), 60_000, 'production');
  }

  /** Waits for every daemon to drain and exit; answers the seconds since the fleet started. */
  async finished(timeoutMs = 240_000): Promise<number> {
    try {
      await Promise.all(this.daemons.map((d) => d.finished(timeoutMs)));
    } finally {
      for (const d of this.daemons) if (d.child.exitCode === null) d.child.kill('SIGKILL');
    }
    return (performance.now() - this.startedAt) / 1000;
  }

  /** Stops the hub and compares its store with the ledgers. */
  async check(): Promise<LedgerCheck> {
    await this.hub.stop();
    return await checkLedger(
      this.hub.dataDir,
      this.daemons.map((d) => d.entry),
    );
  }

  kill(): void {
    for (const d of this.daemons) if (d.child.exitCode === null) d.child.kill('SIGKILL');
  }
}
