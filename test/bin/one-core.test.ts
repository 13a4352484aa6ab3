import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { oneCoreAdvice } from '../../bin/commands/one-core.js';
import { startCliHub, stopCliHub } from '../support/cli.js';

const ADVICE = /this hub may use one CPU only: start node with --single-threaded-gc/;

describe('a hub given one CPU', () => {
  it('is advised to run its garbage collector on its main thread, unless it already does', () => {
    expect(oneCoreAdvice(1, [])).toMatch(ADVICE);
    expect(oneCoreAdvice(1, ['--max-old-space-size=512'])).toMatch(ADVICE);
    expect(oneCoreAdvice(2, [])).toBeUndefined();
    expect(oneCoreAdvice(1, ['--single-threaded-gc'])).toBeUndefined();
    // A longer flag that merely starts the same way is not the flag.
    expect(oneCoreAdvice(1, ['--single-threaded-gc-x'])).toMatch(ADVICE);
  });

  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const data = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'zhub-one-core-'));
    dirs.push(d);
    return d;
  };
  const hasTaskset = ((): boolean => {
    try {
      execFileSync('taskset', ['-c', '0', 'true']);
      return true;
    } catch {
      return false;
    }
  })();

  it.runIf(hasTaskset)(
    '`zhub hub` under `taskset -c 0` says so in its log, and not when started with the flag',
    async () => {
      const pinned = await startCliHub(['--data', data()], { launch: ['taskset', '-c', '0'] });
      try {
        expect(pinned.output()).toMatch(ADVICE);
      } finally {
        await stopCliHub(pinned);
      }
      const flagged = await startCliHub(['--data', data()], {
        launch: ['taskset', '-c', '0'],
        node: ['--single-threaded-gc'],
      });
      try {
        expect(flagged.output()).not.toMatch(ADVICE);
      } finally {
        await stopCliHub(flagged);
      }
      // Two CPUs or more: nothing to say.
      const free = await startCliHub(['--data', data()]);
      try {
        expect(free.output()).not.toMatch(ADVICE);
      } finally {
        await stopCliHub(free);
      }
    },
    60_000,
  );
});
