import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { isThenable } from './failure.js';

/** What a drive generator yields: promises (or any thenable). */
export type DriveGenerator = Generator<unknown, unknown, unknown>;

/**
 * Raised by `driver.finish()` inside the generator to stop it at once (Zenoss's ShortCircuit):
 * no statement after `finish` runs. `drive` catches it; a generator that catches everything
 * would catch it too, as in Zenoss, and is then closed at its next yield.
 */
export class ShortCircuit extends Error {
  override readonly name = 'ShortCircuit';
  constructor(readonly value: unknown) {
    super('drive finished');
  }
}

/**
 * Zenoss's Driver: hands each yielded result back to the generator. `next()` and `result()`
 * return the last result or throw it if it was an error; `finish(v)` ends the drive with `v`.
 */
export class Driver {
  private ok = true;
  private value: unknown = undefined;
  /** @internal */ finished = false;
  /** @internal */ finishValue: unknown = undefined;
  /** @internal */ onFinish: ((v: unknown) => void) | undefined;
  /** @internal True while the generator runs (between a resume and its next yield). */
  running = false;

  /** The last yielded result; throws it if it was an error. */
  next(): unknown {
    if (!this.ok) throw this.value;
    return this.value;
  }

  /** Same as {@link next}. */
  result(): unknown {
    return this.next();
  }

  /**
   * Ends the drive at once with `value`. Called inside the generator it raises
   * {@link ShortCircuit}, so nothing after it runs (Zenoss's Driver does the same); called from
   * elsewhere, the generator is closed at its next resume.
   */
  finish(value?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.finishValue = value;
    this.onFinish?.(value);
    if (this.running) throw new ShortCircuit(value);
  }

  /** @internal */
  set(ok: boolean, value: unknown): void {
    this.ok = ok;
    this.value = value;
  }

  /** @internal True when the last result was an error. */
  get failed(): boolean {
    return !this.ok;
  }

  /** @internal */
  get last(): unknown {
    return this.value;
  }
}

/**
 * Runs a generator that yields promises. After each one settles, the generator resumes
 * (always asynchronously, through the microtask queue, so the stack never grows) and reads
 * that result through `driver.next()`.
 *
 * Resolves with the last yielded result; rejects if that result was an error (even when the
 * generator caught it), if the generator throws, or with a TypeError if it yields something
 * that is not a promise. The generator's own `return` value is ignored, as in Zenoss.
 */
export function drive(fn: (driver: Driver) => DriveGenerator): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const driver = new Driver();
    let gen: DriveGenerator;
    let settled = false;
    const done = (ok: boolean, v: unknown): void => {
      if (settled) return;
      settled = true;
      if (ok) resolve(v);
      else reject(v);
    };
    driver.onFinish = (v) => done(true, v);

    const close = (): void => {
      try {
        gen.return(undefined);
      } catch (err) {
        // A finally block that throws after the drive ended: nothing left to report it to.
        void err;
      }
    };

    const step = (): void => {
      if (driver.finished) return close();
      let r: IteratorResult<unknown, unknown>;
      driver.running = true;
      try {
        r = gen.next();
      } catch (err) {
        // finish() stopped the generator: the drive has already resolved with its value.
        if (err instanceof ShortCircuit && driver.finished) return;
        return done(false, err);
      } finally {
        driver.running = false;
      }
      if (driver.finished) return close();
      if (r.done) return done(!driver.failed, driver.last);
      const yielded = r.value;
      if (!isThenable(yielded)) {
        close();
        const what = yielded === null ? 'null' : typeof yielded;
        return done(false, new TypeError(`drive: the generator yielded ${what}, not a promise`));
      }
      Promise.resolve(yielded).then(
        (v) => {
          driver.set(true, v);
          step();
        },
        (e: unknown) => {
          driver.set(false, e);
          step();
        },
      );
    };

    try {
      gen = fn(driver);
    } catch (err) {
      return done(false, err);
    }
    step();
  });
}

/** `drive(fn)` after `ms` milliseconds (on the injected clock). */
export function driveLater(
  ms: number,
  fn: (driver: Driver) => DriveGenerator,
  clock: Clock = systemClock,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    clock.setTimeout(() => {
      drive(fn).then(resolve, reject);
    }, ms);
  });
}
