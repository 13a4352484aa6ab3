import type { Clock, TimerHandle } from '../clock.js';

export interface Pending {
  resolve(v: unknown): void;
  reject(err: Error): void;
  deadline: number;
  method: string;
}

/** Read in place of a table not made yet: never written. */
const NONE: ReadonlyMap<number, Pending> = new Map();

/**
 * The table of calls awaiting an answer, with their deadlines.
 *
 * One timer serves the whole table: it is armed for the earliest deadline and re-armed only
 * when a new call's deadline is earlier, or when it fires. With the usual uniform timeout a
 * call costs a Map insert and delete and no timer work, which keeps the hot path cheap.
 */
export class PendingCalls {
  /** Made with the first call (a hub rarely calls its daemons: an empty Map is ~190 bytes). */
  private table: Map<number, Pending> | undefined;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly onExpired: (id: number, p: Pending) => void,
  ) {}

  private get calls(): ReadonlyMap<number, Pending> {
    return this.table ?? NONE;
  }

  get size(): number {
    return this.calls.size;
  }

  add(id: number, p: Pending): void {
    (this.table ??= new Map()).set(id, p);
    if (p.deadline < this.timerAt) this.arm(p.deadline);
  }

  /** Removes and returns the call, or undefined for an unknown (or already expired) id. */
  take(id: number): Pending | undefined {
    const p = this.calls.get(id);
    if (p !== undefined) this.table?.delete(id);
    return p;
  }

  /** Empties the table, handing every call to `fn` (used when the connection drops). */
  drain(fn: (p: Pending) => void): void {
    this.disarm();
    const all = [...this.calls.values()];
    this.table?.clear();
    for (const p of all) fn(p);
  }

  close(): void {
    this.disarm();
  }

  private arm(at: number): void {
    this.disarm();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.sweep(), Math.max(0, at - this.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    const expired: [number, Pending][] = [];
    for (const [id, p] of this.calls) {
      if (p.deadline <= now) expired.push([id, p]);
      else if (p.deadline < next) next = p.deadline;
    }
    for (const [id] of expired) this.table?.delete(id);
    if (next !== Infinity) this.arm(next);
    for (const [id, p] of expired) this.onExpired(id, p);
  }
}
