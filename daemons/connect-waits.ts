import type { Clock } from '../shared/index.js';
import { ZHubError } from '../shared/index.js';

/**
 * The waits for a client's connection (`whenConnected`, and every service asked for before it
 * is up): each ends when the client connects, fails or closes, or at its deadline. Waits begun
 * in one turn with the same deadline share one promise and one timer: a daemon asks for all its
 * services in one turn, and a storm of daemons starting would otherwise make a timer for each.
 */
export class ConnectWaits {
  private readonly waiters = new Set<{ resolve: () => void; reject: (err: Error) => void }>();
  /** The wait begun in this turn. */
  private turnWait: { timeoutMs: number; promise: Promise<void> } | undefined;

  constructor(
    private readonly clock: Clock,
    /** The error for a wait past its deadline. */
    private readonly timedOut: (timeoutMs: number) => Error,
  ) {}

  /** A wait ending with the next `settle`, or rejected after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    const shared = this.turnWait;
    if (shared?.timeoutMs === timeoutMs) return shared.promise;
    const promise = this.newWait(timeoutMs);
    this.turnWait = { timeoutMs, promise };
    queueMicrotask(() => {
      if (this.turnWait?.promise === promise) this.turnWait = undefined;
    });
    return promise;
  }

  /** Ends every wait: resolved, or rejected with `err`. */
  settle(err?: Error): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    this.turnWait = undefined;
    for (const w of waiters) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  private newWait(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          this.clock.clearTimeout(timer);
          resolve();
        },
        reject: (err: Error) => {
          this.clock.clearTimeout(timer);
          reject(err);
        },
      };
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(waiter);
        reject(this.timedOut(timeoutMs));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

/** The error a client's wait gets at its deadline, naming the last connection error. */
export function connectTimeout(url: string, timeoutMs: number, last: Error | undefined): Error {
  // The hub answered, and refused: say so, not "could not reach".
  if (last instanceof ZHubError && last.code === 'HUB_ERR_RATE_LIMITED') return last;
  const why = last ? `: ${last.message}` : '';
  return new ZHubError(
    'HUB_ERR_TIMEOUT',
    `could not reach the hub at ${url} within ${timeoutMs} ms${why}`,
  );
}
