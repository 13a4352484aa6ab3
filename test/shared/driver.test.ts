import { describe, expect, it } from 'vitest';
import { drive, driveLater, type Driver } from '../../shared/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { controlled, flushMicrotasks } from '../support/deferred.js';

describe('drive', () => {
  it('hands each result back through driver.next() and resolves with the last one', async () => {
    const seen: unknown[] = [];
    const result = await drive(function* (driver: Driver) {
      yield Promise.resolve(1);
      seen.push(driver.next());
      yield Promise.resolve(2);
      seen.push(driver.result());
    });
    expect(seen).toEqual([1, 2]);
    expect(result).toBe(2);
  });

  it('the add/sum example: total by repeated yields', async () => {
    const add = (x: number, y: number): Promise<number> => Promise.resolve(x + y);
    const total = await drive(function* (driver: Driver) {
      let t = 0;
      for (const n of [1, 2, 3, 4]) {
        yield add(t, n);
        t = driver.next() as number;
      }
    });
    expect(total).toBe(10);
  });

  it('driver.next() throws the error of a failed yield; the generator may catch it', async () => {
    let caught: unknown;
    const result = await drive(function* (driver: Driver) {
      yield Promise.reject(new RangeError('bad'));
      try {
        driver.next();
      } catch (err) {
        caught = err;
      }
      yield Promise.resolve('recovered');
    });
    expect(caught).toBeInstanceOf(RangeError);
    expect(result).toBe('recovered');
  });

  it('rejects when the last result was an error even if the generator caught it', async () => {
    const p = drive(function* (driver: Driver) {
      yield Promise.reject(new Error('last one failed'));
      try {
        driver.next();
      } catch {
        // swallowed on purpose
      }
      return 'ignored';
    });
    await expect(p).rejects.toThrow('last one failed');
  });

  it('rejects when the generator throws', async () => {
    const p = drive(function* () {
      yield Promise.resolve(1);
      throw new TypeError('generator broke');
    });
    await expect(p).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects with TypeError when the generator yields a non-promise', async () => {
    let cleanedUp = false;
    const p = drive(function* () {
      try {
        yield 42;
      } finally {
        cleanedUp = true;
      }
    });
    await expect(p).rejects.toThrow(TypeError);
    expect(cleanedUp).toBe(true);
  });

  it('accepts thenables that are not native promises', async () => {
    const thenable = { then: (ok: (v: string) => void) => ok('thenable') };
    expect(
      await drive(function* () {
        yield thenable;
      }),
    ).toBe('thenable');
  });

  it('resumes asynchronously: 10,000 resolved yields do not grow the stack', async () => {
    const depths: number[] = [];
    const result = await drive(function* (driver: Driver) {
      for (let i = 0; i < 10_000; i++) {
        yield Promise.resolve(i);
        if (i % 1000 === 0) depths.push(new Error().stack?.split('\n').length ?? 0);
        driver.next();
      }
    });
    expect(result).toBe(9_999);
    expect(Math.max(...depths)).toBe(Math.min(...depths));
  });

  it('never resumes synchronously inside the yield', async () => {
    const order: string[] = [];
    const p = drive(function* () {
      order.push('before');
      yield Promise.resolve();
      order.push('after');
    });
    order.push('caller');
    await p;
    expect(order).toEqual(['before', 'caller', 'after']);
  });

  it('driver.finish(v) ends the drive at once and closes the generator', async () => {
    let closed = false;
    const pending = controlled<string>();
    let driverRef: Driver | undefined;
    const p = drive(function* (driver: Driver) {
      driverRef = driver;
      try {
        yield pending.promise;
        yield Promise.resolve('never reached');
      } finally {
        closed = true;
      }
    });
    await flushMicrotasks();
    driverRef?.finish('early');
    expect(await p).toBe('early');
    pending.resolve('late');
    await flushMicrotasks();
    expect(closed).toBe(true);
  });

  it('finish called inside the generator stops it before its next yield is awaited', async () => {
    let after = false;
    const result = await drive(function* (driver: Driver) {
      yield Promise.resolve(1);
      driver.finish('done');
      yield new Promise(() => undefined); // would hang if awaited
      after = true;
    });
    expect(result).toBe('done');
    expect(after).toBe(false);
  });

  it('finish(v) inside the generator runs no statement after it, as Zenoss (ShortCircuit)', async () => {
    const ran: string[] = [];
    let cleaned = false;
    const result = await drive(function* (driver: Driver) {
      try {
        yield Promise.resolve(1);
        ran.push('before');
        driver.finish('short');
        ran.push('after finish'); // must never run
        yield Promise.resolve(2);
      } finally {
        cleaned = true;
      }
    });
    expect(result).toBe('short');
    expect(ran).toEqual(['before']);
    expect(cleaned).toBe(true);
  });

  it('rejects when the generator function itself throws', async () => {
    await expect(
      drive(() => {
        throw new Error('no generator');
      }),
    ).rejects.toThrow('no generator');
  });
});

describe('driveLater', () => {
  it('starts the drive after the delay on the injected clock', async () => {
    const clock = new ManualClock();
    let started = false;
    const p = driveLater(
      5_000,
      function* () {
        started = true;
        yield Promise.resolve('ran');
      },
      clock,
    );
    clock.advance(4_999);
    expect(started).toBe(false);
    clock.advance(1);
    expect(started).toBe(true);
    expect(await p).toBe('ran');
  });
});
