import { Failure } from './failure.js';

/**
 * Zenoss's NJobs: run `fn` over `items` in the order given with at most `n` outstanding.
 * `start()` resolves with the results in *completion* order; a job that rejects or throws
 * contributes a {@link Failure} entry and does not stop the others. `start()` never rejects
 * and calling it again returns the same run.
 */
export class NJobs<I, R> {
  private readonly items: readonly I[];
  private readonly results: (R | Failure)[] = [];
  private running = 0;
  private next = 0;
  private run: Promise<(R | Failure)[]> | undefined;

  constructor(
    private readonly n: number,
    private readonly fn: (item: I) => PromiseLike<R> | R,
    items: Iterable<I>,
  ) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`NJobs needs an integer n >= 1, got ${String(n)}`);
    }
    // A copy: the caller's array is neither mutated nor read again.
    this.items = Array.from(items);
  }

  start(): Promise<(R | Failure)[]> {
    this.run ??= new Promise((resolve) => {
      if (this.items.length === 0) {
        resolve(this.results);
        return;
      }
      const launch = (): void => {
        while (this.running < this.n && this.next < this.items.length) {
          const item = this.items[this.next++] as I;
          this.running++;
          let job: PromiseLike<R> | R;
          try {
            job = this.fn(item);
          } catch (err) {
            job = Promise.reject(err);
          }
          Promise.resolve(job).then(
            (value) => finished(value),
            (err: unknown) => finished(new Failure(err)),
          );
        }
      };
      const finished = (entry: R | Failure): void => {
        this.running--;
        this.results.push(entry);
        if (this.results.length === this.items.length) resolve(this.results);
        else launch();
      };
      launch();
    });
    return this.run;
  }

  /** `[running, queued, done]`. */
  status(): [number, number, number] {
    return [this.running, this.items.length - this.next, this.results.length];
  }
}
