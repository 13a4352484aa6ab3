import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../../daemons/index.js';

const sample = (v: number) => ({ device: 'd', metric: 'm', value: v, timestamp: 1 });

describe('Spool', () => {
  it('numbers items in increasing order, reads oldest first per stream, forgets what is acknowledged', () => {
    const spool = new Spool({ path: ':memory:' });
    const a = spool.append('metrics', [sample(1), sample(2)]);
    const e = spool.append('events', [{ device: 'd', severity: 4, summary: 's' }]);
    const b = spool.append('metrics', [sample(3)]);
    expect([...a, ...e, ...b]).toEqual([1, 2, 3, 4]);
    expect(spool.read('metrics', 0, 10).map((x) => [x.seq, x.item.value, x.item.seq])).toEqual([
      [1, 1, 1],
      [2, 2, 2],
      [4, 3, 4],
    ]);
    expect(spool.read('metrics', 2, 10).map((x) => x.seq)).toEqual([4]);
    expect(spool.ack('metrics', 2)).toBe(2);
    expect(spool.lastAck('metrics')).toBe(2);
    expect(spool.depth()).toBe(2);
    expect(spool.depth('events')).toBe(1);
  });

  it('keeps items, numbering and acknowledgements across a reopen', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'zhub-spool-')), 'spool.db');
    const first = new Spool({ path });
    first.append('metrics', [sample(1), sample(2), sample(3)]);
    first.ack('metrics', 3);
    first.append('metrics', [sample(4)]);
    first.close();
    const again = new Spool({ path });
    expect(again.lastAck('metrics')).toBe(3);
    expect(again.read('metrics', 0, 10).map((x) => x.seq)).toEqual([4]);
    expect(again.append('metrics', [sample(5)])).toEqual([5]); // never reuses a number
    again.close();
  });

  it('drops the oldest items when full (counted), or refuses new ones with the block policy', () => {
    const drop = new Spool({ path: ':memory:', maxEntries: 3 });
    drop.append('metrics', [sample(1), sample(2), sample(3)]);
    drop.append('metrics', [sample(4), sample(5)]);
    expect(drop.read('metrics', 0, 10).map((x) => x.item.value)).toEqual([3, 4, 5]);
    expect(drop.stats.dropped).toBe(2);
    const block = new Spool({ path: ':memory:', maxEntries: 2, overflow: 'block' });
    block.append('metrics', [sample(1), sample(2)]);
    expect(() => block.append('metrics', [sample(3)])).toThrow(
      expect.objectContaining({ code: 'HUB_ERR_SPOOL_FULL' }),
    );
    expect(block.stats.refused).toBe(1);
    expect(block.full).toBe(true);
  });

  it('renumbers pending items above a mark, keeping their order', () => {
    const spool = new Spool({ path: ':memory:' });
    spool.append('metrics', [sample(1), sample(2)]);
    spool.append('events', [{ device: 'd', severity: 3, summary: 'x' }]);
    spool.ensureAbove(100);
    expect(spool.read('metrics', 0, 10).map((x) => [x.seq, x.item.seq, x.item.value])).toEqual([
      [101, 101, 1],
      [102, 102, 2],
    ]);
    expect(spool.read('events', 0, 10).map((x) => x.seq)).toEqual([103]);
    expect(spool.append('metrics', [sample(3)])).toEqual([104]);
    spool.ensureAbove(50); // already above: nothing changes
    expect(spool.append('metrics', [sample(4)])).toEqual([105]);
  });

  it('loses nothing it returned when the process is killed with SIGKILL mid-write', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'zhub-spool-')), 'spool.db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/spool-writer.ts', path],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').length > 40) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.on('exit', r));
    const confirmed = out.split('\n').filter(Boolean).map(Number);
    const last = confirmed[confirmed.length - 1] as number;
    const spool = new Spool({ path });
    const seqs = spool.read('metrics', 0, 1_000_000).map((x) => x.seq);
    // Every number the writer saw returned is there, without gaps from 1 up to it.
    expect(seqs.length).toBeGreaterThanOrEqual(last);
    expect(seqs.slice(0, last)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    spool.close();
  });
});
