import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferredList, Failure, FirstError, gatherResults } from '../../shared/index.js';
import { controlled, tick } from '../support/deferred.js';

describe('deferredList', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('gives [ok, value] pairs in input order whatever the completion order', async () => {
    const a = controlled<string>();
    const b = controlled<string>();
    const c = controlled<string>();
    const list = deferredList([a.promise, b.promise, c.promise]);
    c.resolve('c');
    b.reject(new RangeError('b failed'));
    a.resolve('a');
    const result = await list;
    expect(result.map((r) => r[0])).toEqual([true, false, true]);
    expect(result[0]).toEqual([true, 'a']);
    expect(result[2]).toEqual([true, 'c']);
    const failure = result[1]?.[1] as Failure;
    expect(failure).toBeInstanceOf(Failure);
    expect(failure.value).toBeInstanceOf(RangeError);
    expect(failure.check(TypeError, RangeError)).toBe(RangeError);
    expect(failure.check('Error')).toBe('Error');
    expect(failure.getErrorMessage()).toBe('b failed');
  });

  it('keeps an input that resolves with an Error object a success', async () => {
    const err = new Error('just a value');
    const result = await deferredList([Promise.resolve(err)]);
    expect(result).toEqual([[true, err]]);
  });

  it('accepts plain values as already-resolved inputs', async () => {
    expect(await deferredList([1, Promise.resolve(2)])).toEqual([
      [true, 1],
      [true, 2],
    ]);
  });

  it('resolves [] for empty input, with every option', async () => {
    expect(await deferredList([])).toEqual([]);
    expect(await deferredList([], { fireOnOneCallback: true })).toEqual([]);
    expect(await deferredList([], { fireOnOneErrback: true })).toEqual([]);
  });

  it('fireOnOneCallback resolves with [value, index] of the first success', async () => {
    const a = controlled<string>();
    const b = controlled<string>();
    const list = deferredList([a.promise, b.promise], { fireOnOneCallback: true });
    a.reject(new Error('a'));
    b.resolve('b');
    expect(await list).toEqual(['b', 1]);
  });

  it('fireOnOneCallback resolves with the full list if every input fails', async () => {
    const result = await deferredList(
      [Promise.reject(new Error('x')), Promise.reject(new Error('y'))],
      {
        fireOnOneCallback: true,
      },
    );
    expect(Array.isArray(result)).toBe(true);
    expect((result as [boolean, unknown][]).map((r) => r[0])).toEqual([false, false]);
  });

  it('fireOnOneErrback rejects with FirstError at the first failure without waiting', async () => {
    const never = new Promise<string>(() => undefined);
    const boom = new TypeError('boom');
    const list = deferredList([never, Promise.reject(boom)], { fireOnOneErrback: true });
    const err = await list.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirstError);
    expect((err as FirstError).index).toBe(1);
    expect((err as FirstError).subFailure.value).toBe(boom);
  });

  it('fireOnOneErrback resolves with the full list if all succeed', async () => {
    expect(await deferredList([Promise.resolve(1), 2], { fireOnOneErrback: true })).toEqual([
      [true, 1],
      [true, 2],
    ]);
  });

  it('never causes unhandled-rejection warnings for its inputs, even after firing early', async () => {
    const late = controlled<string>();
    await deferredList([Promise.resolve('x'), late.promise], { fireOnOneCallback: true });
    late.reject(new Error('late failure'));
    await deferredList([Promise.reject(new Error('a')), Promise.reject(new Error('b'))], {
      fireOnOneErrback: true,
      consumeErrors: false,
    }).catch(() => undefined);
    await tick();
    await tick();
    expect(unhandled).toEqual([]);
  });

  it('leaves the inputs rejected for their other consumers (consumeErrors cannot hide it)', async () => {
    const p = Promise.reject(new Error('seen by all'));
    await deferredList([p], { consumeErrors: true });
    await expect(p).rejects.toThrow('seen by all');
  });

  it('works with fake timers (no sleeps)', async () => {
    vi.useFakeTimers();
    try {
      const slow = new Promise((r) => setTimeout(() => r('slow'), 10_000));
      const fast = new Promise((r) => setTimeout(() => r('fast'), 10));
      const list = deferredList([slow, fast]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await list).toEqual([
        [true, 'slow'],
        [true, 'fast'],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('gatherResults', () => {
  it('gives the values in input order', async () => {
    const a = controlled<number>();
    const list = gatherResults([a.promise, Promise.resolve(2)]);
    a.resolve(1);
    expect(await list).toEqual([1, 2]);
  });

  it('rejects with FirstError at the first failure', async () => {
    const err = await gatherResults([Promise.resolve(1), Promise.reject(new Error('no'))]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FirstError);
    expect((err as FirstError).index).toBe(1);
  });
});
