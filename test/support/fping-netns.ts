// Debian's real fping, run inside a network namespace of its own for each run: its loopback
// is up, and 198.18.0.0/15 is routed into that loopback where nothing owns it, so pings to
// DOWN_ADDRESS go unanswered (a black hole that never leaves the machine). While the flag file
// exists, DOWN_ADDRESS is put on the loopback instead and answers: the device "comes back".
// Point the ping collector at it with ZHUB_FPING (or `new PingCollector({ command })`).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DOWN_ADDRESS = '198.18.0.1';

export interface NetnsFping {
  /** The wrapper to run instead of fping. */
  command: string;
  /** Makes DOWN_ADDRESS answer (true) or not (false) from the next fping run on. */
  answer(on: boolean): void;
  remove(): void;
}

export function netnsFping(): NetnsFping {
  const dir = mkdtempSync(join(tmpdir(), 'zhub-fping-'));
  const flag = join(dir, 'answers');
  const command = join(dir, 'fping');
  const inside = [
    'ip link set lo up',
    'ip route add 198.18.0.0/15 dev lo',
    `if [ -f "$0" ]; then ip addr add ${DOWN_ADDRESS}/32 dev lo; fi`,
    'exec fping "$@"',
  ].join('; ');
  writeFileSync(command, `#!/bin/sh\nexec unshare -n sh -c '${inside}' "${flag}" "$@"\n`);
  chmodSync(command, 0o755);
  return {
    command,
    answer: (on) => (on ? writeFileSync(flag, '') : rmSync(flag, { force: true })),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
