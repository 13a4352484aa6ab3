import type { Clock, Logger, TimerHandle } from '../shared/index.js';

/**
 * Runs `step` every `everyMs`: each run repeats `step` (with a turn of the event loop in
 * between, so other work interleaves) until it reports nothing more to do. One timer, cleared
 * by `close()`.
 */
export class PeriodicTask {
  private timer: TimerHandle | undefined;
  private closed = false;
  /** Units of work done over the task's life (what `step` returned, summed). */
  total = 0;

  constructor(
    private readonly name: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly everyMs: number,
    private readonly step: () => number | Promise<number>,
  ) {}

  start(): void {
    if (this.timer === undefined && !this.closed) {
      this.timer = this.clock.setTimeout(() => void this.run(), this.everyMs);
    }
  }

  /** One run now; answers the work done. */
  async run(): Promise<number> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    let done = 0;
    try {
      while (!this.closed) {
        const n = await this.step();
        done += n;
        if (n === 0) break;
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.log.error({ err, task: this.name }, 'periodic task failed; will retry');
    }
    this.total += done;
    this.start();
    return done;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
