/** A promise with its resolve/reject exposed, for controlling completion order in tests. */
export interface Controlled<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(err: unknown): void;
}

export function controlled<T = unknown>(): Controlled<T> {
  let resolve!: (v: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask (and the promise jobs they queue) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Waits one macrotask turn: all pending microtasks have run when it resolves. */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
