// Disk full: the hub's data directory on a small tmpfs that a filler file fills up while the
// daemons stream. The hub must stop acknowledging (not acknowledge what it could not commit),
// report itself unready, stay up, and recover when the space returns: stored = produced.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Fleet } from '../support/fleet.js';
import { describeCheck, exact } from '../support/ledger.js';
import { HubProcess, sleep, tempDir, waitFor } from '../support/processes.js';
import { fmt, type ProofOptions, type ProofRow } from '../support/proof-row.js';

/** Writes 256 KB blocks to `path` until the disk refuses; answers the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(256 * 1024, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, block);
  } catch {
    return written;
  } finally {
    closeSync(fd);
  }
}

export async function diskFull(opts: ProofOptions): Promise<ProofRow> {
  const mount = tempDir('proof-tmpfs');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount], { stdio: 'ignore' });
  } catch {
    return {
      test: 'Disk full',
      done: 'needs a small tmpfs (mount -t tmpfs), which takes root',
      figure: 'could not mount a tmpfs here',
      pass: false,
    };
  }
  const dataDir = join(mount, 'data');
  mkdirSync(dataDir);
  const filler = join(mount, 'filler');
  const fullS = opts.quick ? 5 : 15;
  const hub = await HubProcess.create({ dataDir });
  await hub.start();
  const daemons = opts.quick ? 2 : 4;
  const items = opts.quick ? 4_000 : 20_000;
  const fleet = new Fleet(hub, { daemons, items, seconds: fullS + 10, name: 'diskfull' });
  try {
    await fleet.producing();
    await sleep(2_000);
    opts.log(`  filling the disk (${fmt(fleet.produced)} produced so far)`);
    const bytes = fill(filler);
    await waitFor(async () => (await hub.httpStatus('/ready')) === 503, 20_000, 'unready');
    const ackedAtFull = fleet.daemons.map((d) => d.acked);
    await sleep(fullS * 1_000);
    const stayedUp = hub.running && (await hub.httpStatus('/health')) === 200;
    const readyWhileFull = await hub.httpStatus('/ready');
    const ackedWhileFull = fleet.daemons.reduce(
      (n, d, i) => n + d.acked - (ackedAtFull[i] ?? 0),
      0,
    );
    rmSync(filler);
    const t0 = Date.now();
    await waitFor(async () => (await hub.httpStatus('/ready')) === 200, 60_000, 'ready again');
    const recoverMs = Date.now() - t0;
    const drained = await fleet.finished();
    const check = await fleet.check();
    return {
      test: 'Disk full',
      done:
        `${daemons} daemons stream ${fmt(daemons * items)} events and samples into a hub on a 64 MB tmpfs; ` +
        `a file fills it (${fmt(bytes / 1048576, 1)} MB) for ${fullS} s, then is deleted`,
      figure:
        `while full: /ready ${readyWhileFull}, hub up: ${stayedUp ? 'yes' : 'no'}, ` +
        `${ackedWhileFull} samples acknowledged; ready again ${fmt(recoverMs)} ms after the space returned; ` +
        `${describeCheck(check)}; all drained ${fmt(drained, 1)} s after start`,
      pass: exact(check) && stayedUp && readyWhileFull === 503,
    };
  } finally {
    fleet.kill();
    await hub.stop();
    execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
    rmSync(mount, { recursive: true, force: true });
  }
}
