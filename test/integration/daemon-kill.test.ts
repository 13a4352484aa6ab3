import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHub } from '../support/hub-fixture.js';
import type { SqliteStore } from '../../hub/index.js';

function run(
  args: string[],
  until?: (out: string) => boolean,
): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/kill-daemon.ts', ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not finish: ${out.slice(-500)}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (until?.(out)) child.kill('SIGKILL');
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

describe('a daemon killed with SIGKILL mid-flush', () => {
  it('resumes from its spool: every sample stored exactly once', async () => {
    const hub = await startHub();
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'zhub-kill-'));
      const n = 20_000;
      // Killed once some batches are acknowledged and others are in flight.
      const first = await run([hub.url, dataDir, String(n), 'write'], (out) => {
        const marks = [...out.matchAll(/ack (\d+)/g)].map((m) => Number(m[1]));
        return (marks.at(-1) ?? 0) > n / 4;
      });
      expect(first.code).toBe(null); // killed, not exited
      const stored = (hub.zhub.hub.env.store as SqliteStore).metrics.countSamples();
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(n);
      const second = await run([hub.url, dataDir, String(n), 'drain']);
      expect(second.out).toMatch(/^drained/m);
      const store = hub.zhub.hub.env.store as SqliteStore;
      expect(store.metrics.countSamples()).toBe(n);
      const values = store.metrics
        .queryMetrics({ device: 'k', metric: 'v', from: 0, to: 2_000_000, limit: 100_000 })
        .map((p) => p.v);
      expect(new Set(values).size).toBe(n);
      expect(Math.min(...values)).toBe(0);
      expect(Math.max(...values)).toBe(n - 1);
    } finally {
      await hub.close();
    }
  });
});
