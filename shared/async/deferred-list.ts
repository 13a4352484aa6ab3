import { Failure, FirstError } from './failure.js';

/** One entry of a deferredList result: `[true, value]` or `[false, Failure]`. */
export type ResultEntry<T> = [true, T] | [false, Failure];

export interface DeferredListOptions {
  /** Resolve with `[value, index]` of the first input to succeed. If every input fails, resolve with the full list. */
  fireOnOneCallback?: boolean;
  /** Reject with a {@link FirstError} at the first failure, without waiting for the rest. If all succeed, resolve with the full list. */
  fireOnOneErrback?: boolean;
  /**
   * Accepted for Twisted compatibility. Promises cannot hide a rejection from their other
   * consumers, so this changes nothing observable: whatever it is set to, every input stays
   * rejected for anyone else awaiting it, and no input given to deferredList ever raises an
   * unhandled-rejection warning because deferredList observes them all.
   */
  consumeErrors?: boolean;
}

type Input<T> = PromiseLike<T> | T;

/**
 * Twisted's DeferredList. Waits for every input and resolves with `[ok, value]` pairs in
 * input order whatever the completion order. A rejection becomes `[false, Failure]`; an
 * input that *resolves* with an Error object is a success.
 *
 * Empty input resolves `[]` at once, with every option. (Twisted's DeferredList with
 * `fireOnOneCallback` never fires on an empty list; a promise that never settles is a hang, so
 * zhub treats an empty list as "every input failed" and gives back the full, empty list.)
 */
export function deferredList<T>(
  inputs: Iterable<Input<T>>,
  options: DeferredListOptions & { fireOnOneCallback: true },
): Promise<[T, number] | ResultEntry<T>[]>;
export function deferredList<T>(
  inputs: Iterable<Input<T>>,
  options?: DeferredListOptions,
): Promise<ResultEntry<T>[]>;
export function deferredList<T>(
  inputs: Iterable<Input<T>>,
  options: DeferredListOptions = {},
): Promise<ResultEntry<T>[] | [T, number]> {
  const list = Array.from(inputs);
  const results = new Array<ResultEntry<T>>(list.length);
  if (list.length === 0) return Promise.resolve(results);
  return new Promise((resolve, reject) => {
    let remaining = list.length;
    let fired = false;
    const settle = (index: number, entry: ResultEntry<T>): void => {
      results[index] = entry;
      remaining--;
      if (fired) return;
      if (entry[0] && options.fireOnOneCallback) {
        fired = true;
        resolve([entry[1], index]);
      } else if (!entry[0] && options.fireOnOneErrback) {
        fired = true;
        reject(new FirstError(index, entry[1]));
      } else if (remaining === 0) {
        fired = true;
        resolve(results);
      }
    };
    list.forEach((input, index) => {
      // Plain values count as already-resolved inputs. Both handlers are attached, so every
      // input is observed: none raises an unhandled-rejection warning.
      Promise.resolve(input).then(
        (v) => settle(index, [true, v]),
        (e: unknown) => settle(index, [false, new Failure(e)]),
      );
    });
  });
}

/** Values of every input in input order; rejects with a {@link FirstError} at the first failure. */
export async function gatherResults<T>(inputs: Iterable<Input<T>>): Promise<T[]> {
  const entries = await deferredList(inputs, { fireOnOneErrback: true, consumeErrors: true });
  return entries.map((e) => e[1] as T);
}
