import { DEFAULT_DAEMON_LIMITS } from '../shared/index.js';
import type { Clock, Logger, TimerHandle } from '../shared/index.js';
import { MinHeap } from './min-heap.js';

export interface TaskSpec {
  id: string;
  intervalMs: number;
  /** The work; must stop when `signal` aborts (the task timed out or was removed). */
  run: (signal: AbortSignal) => Promise<void>;
}

export interface SchedulerOptions {
  clock: Clock;
  log: Logger;
  /** Tasks running at once, all tasks together (the NJobs idea; default 500). */
  maxConcurrent?: number;
  /** A run still going after this fraction of its interval is aborted (default 0.9). */
  timeoutFraction?: number;
  random?: () => number;
  /** A task's run came due while its previous run was still going (or waiting for a slot). */
  onMissed?(id: string): void;
  /** A task that had missed runs ran on time again. */
  onRecovered?(id: string): void;
}

interface Task extends TaskSpec {
  nextRun: number;
  /** Bumped whenever nextRun changes: older timetable entries for the task are stale. */
  version: number;
  /** Insertion order: tasks due at the same moment start in the order they were added. */
  order: number;
  running: boolean;
  queued: boolean;
  missed: boolean;
  abort: AbortController | undefined;
}

export interface SchedulerStats {
  runs: number;
  missed: number;
  timeouts: number;
  failures: number;
}

/**
 * Runs each task every `intervalMs`, the first run after a random delay within one interval
 * (splay) so that a thousand devices do not fire at once. At most `maxConcurrent` runs at a
 * time; the rest wait in order. A run that outlives its timeout is aborted and its slot freed
 * even if the task ignores the abort. Replacing a task keeps its next run time.
 */
export class Scheduler {
  readonly stats: SchedulerStats = { runs: 0, missed: 0, timeouts: 0, failures: 0 };
  private readonly tasks = new Map<string, Task>();
  private readonly timetable = new MinHeap<{ task: Task; version: number }>();
  private readonly waiting: Task[] = [];
  private running = 0;
  private added = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private closed = false;
  private readonly max: number;
  private readonly random: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.max = opts.maxConcurrent ?? DEFAULT_DAEMON_LIMITS.maxConcurrent;
    this.random = opts.random ?? Math.random;
  }

  /** Adds a task, or replaces one with the same id keeping its next run time. */
  upsert(spec: TaskSpec): void {
    const now = this.opts.clock.now();
    const existing = this.tasks.get(spec.id);
    if (existing) {
      existing.run = spec.run;
      if (spec.intervalMs !== existing.intervalMs) {
        existing.intervalMs = spec.intervalMs;
        this.schedule(existing, Math.min(existing.nextRun, now + spec.intervalMs));
      }
    } else {
      // Spelt out: `{ ...spec, nextRun, … }` cost about 7 µs a task here (0.1 µs this way), and
      // a template edit reschedules every device it binds.
      const t: Task = {
        id: spec.id,
        intervalMs: spec.intervalMs,
        run: spec.run,
        nextRun: 0,
        version: 0,
        order: this.added++,
        running: false,
        queued: false,
        missed: false,
        abort: undefined,
      };
      this.tasks.set(spec.id, t);
      this.schedule(t, now + Math.floor(this.random() * spec.intervalMs));
    }
    this.arm();
  }

  /** Stops a task: a run in progress is aborted. */
  remove(id: string): void {
    const t = this.tasks.get(id);
    if (!t) return;
    this.tasks.delete(id);
    t.abort?.abort(new Error('task removed'));
    const i = this.waiting.indexOf(t);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  has(id: string): boolean {
    return this.tasks.has(id);
  }

  ids(): string[] {
    return [...this.tasks.keys()];
  }

  /** `[running, queued, tasks]` */
  status(): [number, number, number] {
    return [this.running, this.waiting.length, this.tasks.size];
  }

  /** When the task runs next (for tests and the status page). */
  nextRunOf(id: string): number | undefined {
    return this.tasks.get(id)?.nextRun;
  }

  private schedule(t: Task, at: number): void {
    t.nextRun = at;
    t.version++;
    this.timetable.push(at, { task: t, version: t.version });
  }

  close(): void {
    this.closed = true;
    this.timetable.clear();
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const t of this.tasks.values()) t.abort?.abort(new Error('scheduler closed'));
    this.tasks.clear();
    this.waiting.length = 0;
  }

  private arm(): void {
    if (this.closed) return;
    const next = this.timetable.peekKey();
    if (next === this.timerAt) return;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.opts.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.due();
      },
      Math.max(0, next - this.opts.clock.now()),
    );
  }

  private due(): void {
    const now = this.opts.clock.now();
    const due: { at: number; task: Task }[] = [];
    while (this.timetable.peekKey() <= now) {
      const { task: t, version } = this.timetable.pop() as { task: Task; version: number };
      if (version !== t.version || this.tasks.get(t.id) !== t) continue; // stale entry
      due.push({ at: t.nextRun, task: t });
    }
    due.sort((a, b) => a.at - b.at || a.task.order - b.task.order);
    for (const { task: t } of due) {
      // Keep the grid: the next run is a whole number of intervals on, never drifting.
      const periods = Math.floor((now - t.nextRun) / t.intervalMs) + 1;
      this.schedule(t, t.nextRun + periods * t.intervalMs);
      if (t.running || t.queued) {
        this.stats.missed++;
        if (!t.missed) {
          t.missed = true;
          this.opts.onMissed?.(t.id);
        }
        continue;
      }
      t.queued = true;
      this.waiting.push(t);
    }
    this.startWaiting();
    this.arm();
  }

  private startWaiting(): void {
    while (this.running < this.max && this.waiting.length > 0)
      this.start(this.waiting.shift() as Task);
  }

  private start(t: Task): void {
    t.queued = false;
    t.running = true;
    this.running++;
    this.stats.runs++;
    const abort = new AbortController();
    t.abort = abort;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.opts.clock.clearTimeout(timer);
      t.running = false;
      t.abort = undefined;
      this.running--;
      if (t.missed && this.tasks.get(t.id) === t && this.opts.clock.now() < t.nextRun) {
        t.missed = false;
        this.opts.onRecovered?.(t.id);
      }
      this.startWaiting();
    };
    const timeoutMs = Math.max(1, Math.floor(t.intervalMs * (this.opts.timeoutFraction ?? 0.9)));
    const timer = this.opts.clock.setTimeout(() => {
      this.stats.timeouts++;
      abort.abort(new Error(`task ${t.id} timed out after ${timeoutMs} ms`));
      finish(); // the slot is freed even if the task ignores the abort
    }, timeoutMs);
    let p: Promise<void>;
    try {
      p = t.run(abort.signal);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(finish, (err: unknown) => {
      if (!abort.signal.aborted) {
        this.stats.failures++;
        this.opts.log.warn({ err, task: t.id }, 'task failed');
      }
      finish();
    });
  }
}
