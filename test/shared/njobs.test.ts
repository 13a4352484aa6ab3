import { describe, expect, it } from 'vitest';
import { Failure, NJobs } from '../../shared/index.js';
import { controlled, flushMicrotasks, type Controlled } from '../support/deferred.js';

describe('NJobs', () => {
  it('starts jobs in the order given with at most n outstanding, results in completion order', async () => {
    const started: number[] = [];
    const jobs = new Map<number, Controlled<string>>();
    let maxRunning = 0;
    let running = 0;
    const nj = new NJobs(
      2,
      (i: number) => {
        started.push(i);
        running++;
        maxRunning = Math.max(maxRunning, running);
        const c = controlled<string>();
        jobs.set(i, c);
        return c.promise.finally(() => running--);
      },
      [1, 2, 3, 4],
    );
    const done = nj.start();
    await flushMicrotasks();
    expect(started).toEqual([1, 2]);
    expect(nj.status()).toEqual([2, 2, 0]);
    jobs.get(2)?.resolve('two');
    await flushMicrotasks();
    expect(started).toEqual([1, 2, 3]);
    expect(nj.status()).toEqual([2, 1, 1]);
    jobs.get(3)?.resolve('three');
    await flushMicrotasks();
    jobs.get(1)?.resolve('one');
    await flushMicrotasks();
    jobs.get(4)?.resolve('four');
    expect(await done).toEqual(['two', 'three', 'one', 'four']);
    expect(maxRunning).toBe(2);
    expect(nj.status()).toEqual([0, 0, 4]);
  });

  it('turns rejected and throwing jobs into Failure entries and keeps going', async () => {
    const results = await new NJobs(
      1,
      (i: number) => {
        if (i === 1) throw new TypeError('sync throw');
        if (i === 2) return Promise.reject(new RangeError('async reject'));
        return i * 10;
      },
      [1, 2, 3],
    ).start();
    expect(results).toHaveLength(3);
    expect(results[0]).toBeInstanceOf(Failure);
    expect((results[0] as Failure).value).toBeInstanceOf(TypeError);
    expect((results[1] as Failure).value).toBeInstanceOf(RangeError);
    expect(results[2]).toBe(30);
  });

  it('never rejects, resolves [] for no items', async () => {
    await expect(new NJobs(3, () => 1, []).start()).resolves.toEqual([]);
  });

  it('does not mutate the caller array', async () => {
    const items = [3, 2, 1];
    await new NJobs(2, (i: number) => i, items).start();
    expect(items).toEqual([3, 2, 1]);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity, '2' as unknown as number])(
    'rejects n=%s with RangeError',
    (n) => {
      expect(() => new NJobs(n, () => 1, [1])).toThrow(RangeError);
    },
  );

  it('runs the jobs once even if start() is called twice', async () => {
    let calls = 0;
    const nj = new NJobs(2, () => ++calls, [1, 2, 3]);
    const a = nj.start();
    const b = nj.start();
    expect(a).toBe(b);
    await a;
    await nj.start();
    expect(calls).toBe(3);
  });
});
