import type { Clock, LaneLimits, LaneName, TimerHandle } from '../../shared/index.js';
import { DEFAULT_LANES, LANE_NAMES, ZHubError } from '../../shared/index.js';

/** One call waiting in, or taken from, a lane. */
export interface LaneTask<P> {
  readonly lane: LaneName;
  readonly payload: P;
  /** Clock ms when it arrived. */
  readonly arrived: number;
  /** Clock ms when an executor took it (undefined while it waits). */
  started: number | undefined;
  /** Run again once on another worker if its worker dies (the method said it is idempotent). */
  readonly idempotent: boolean;
  retried: boolean;
}

/** What runs the tasks the scheduler picks: the worker pool (a fake in tests). */
export interface LaneExecutor<P> {
  /** Tasks it could start now. */
  free(): number;
  /** Runs `task`; settles with its answer. Rejects with HUB_ERR_WORKER_DIED when its runner died. */
  run(task: LaneTask<P>): Promise<unknown>;
  /** `task` is past its deadline while running: stop it (the worker is replaced). */
  cancel(task: LaneTask<P>): void;
}

/** Told of each task's wait and run (the hub's metrics). */
export interface LaneObserver {
  waited(lane: LaneName, seconds: number): void;
  ran(lane: LaneName, seconds: number, ok: boolean): void;
}

/** One lane's figures (status page, `zhub status --workers`). */
export interface LaneFigures extends LaneLimits {
  name: LaneName;
  queued: number;
  running: number;
  completed: number;
  /** Answered HUB_ERR_BUSY: the lane was full. */
  refused: number;
  /** Answered HUB_ERR_TIMEOUT: past the deadline, waiting or running. */
  timeouts: number;
  /** Run again after their worker died (idempotent methods). */
  retried: number;
}

interface Entry<P> {
  task: LaneTask<P>;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
  timer: TimerHandle | undefined;
  /** Answered (or timed out): later outcomes are ignored. */
  settled: boolean;
  /** Still in its lane's queue. */
  queued: boolean;
}

class Lane<P> {
  private items: (Entry<P> | undefined)[] = [];
  private head = 0;
  size = 0;
  running = 0;
  /** Smooth weighted round robin's running credit. */
  credit = 0;
  completed = 0;
  refused = 0;
  timeouts = 0;
  retried = 0;

  constructor(
    readonly name: LaneName,
    readonly limits: LaneLimits,
  ) {}

  push(e: Entry<P>): void {
    this.items.push(e);
    this.size++;
  }

  pushFront(e: Entry<P>): void {
    if (this.head > 0) this.items[--this.head] = e;
    else this.items.unshift(e);
    this.size++;
  }

  /** The oldest entry still queued (timed-out ones are skipped: removed lazily). */
  shift(): Entry<P> | undefined {
    while (this.head < this.items.length) {
      const e = this.items[this.head];
      this.items[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (e?.queued) {
        this.size--;
        e.queued = false;
        return e;
      }
    }
    return undefined;
  }

  /** `e` leaves the queue where it is (its slot is skipped later). */
  drop(e: Entry<P>): void {
    if (!e.queued) return;
    e.queued = false;
    this.size--;
  }

  each(fn: (e: Entry<P>) => void): void {
    for (let i = this.head; i < this.items.length; i++) {
      const e = this.items[i];
      if (e?.queued) fn(e);
    }
  }
}

/**
 * Calls waiting for a worker, in lanes with priorities (ZenHub's worklist). Whenever the
 * executor can take a task, the next one comes from the lanes that hold work by smooth
 * weighted round robin: each lane's share of the workers follows its weight while every lane
 * is busy, a lower lane is never starved, and an empty lane takes nothing and costs nothing
 * (work-conserving). Each lane is bounded (HUB_ERR_BUSY past `maxQueue`); each task has a
 * deadline from its arrival (HUB_ERR_TIMEOUT; a running one is cancelled at the executor).
 */
export class LaneScheduler<P> {
  private readonly lanes: Lane<P>[];
  private readonly byName = new Map<LaneName, Lane<P>>();
  private readonly running = new Map<LaneTask<P>, Entry<P>>();
  private closed = false;

  constructor(
    private readonly executor: LaneExecutor<P>,
    private readonly clock: Clock,
    limits: Partial<Record<LaneName, Partial<LaneLimits>>> = {},
    private readonly observer?: LaneObserver,
  ) {
    this.lanes = LANE_NAMES.map(
      (name) => new Lane<P>(name, { ...DEFAULT_LANES[name], ...limits[name] }),
    );
    for (const l of this.lanes) this.byName.set(l.name, l);
  }

  /** The limits of `lane` (its deadline, for callers that report it). */
  limitsOf(lane: LaneName): LaneLimits {
    return (this.byName.get(lane) as Lane<P>).limits;
  }

  /**
   * Queues a call; settles with its answer. `deadlineMs` overrides the lane's (a method's own
   * deadline).
   */
  submit(
    lane: LaneName,
    payload: P,
    opts: { deadlineMs?: number; idempotent?: boolean } = {},
  ): Promise<unknown> {
    const l = this.byName.get(lane);
    if (l === undefined)
      return Promise.reject(new ZHubError('HUB_ERR_CONFIG', `no lane named '${lane}'`));
    if (this.closed)
      return Promise.reject(
        new ZHubError('HUB_ERR_SHUTTING_DOWN', 'the hub is shutting down', { retryable: true }),
      );
    if (l.size >= l.limits.maxQueue) {
      l.refused++;
      return Promise.reject(
        new ZHubError(
          'HUB_ERR_BUSY',
          `lane '${lane}' holds ${l.limits.maxQueue} waiting calls; retry later`,
          { data: { lane, queued: l.size }, retryable: true },
        ),
      );
    }
    const task: LaneTask<P> = {
      lane,
      payload,
      arrived: this.clock.now(),
      started: undefined,
      idempotent: opts.idempotent ?? false,
      retried: false,
    };
    return new Promise((resolve, reject) => {
      const e: Entry<P> = { task, resolve, reject, timer: undefined, settled: false, queued: true };
      const deadlineMs = opts.deadlineMs ?? l.limits.deadlineMs;
      e.timer = this.clock.setTimeout(() => this.expire(l, e, deadlineMs), deadlineMs);
      l.push(e);
      this.dispatch();
    });
  }

  /** Calls waiting, over all lanes. */
  get queued(): number {
    let n = 0;
    for (const l of this.lanes) n += l.size;
    return n;
  }

  /** Per-lane figures, highest priority first. */
  figures(): LaneFigures[] {
    return this.lanes.map((l) => ({
      name: l.name,
      ...l.limits,
      queued: l.size,
      running: l.running,
      completed: l.completed,
      refused: l.refused,
      timeouts: l.timeouts,
      retried: l.retried,
    }));
  }

  /** Answers every waiting call HUB_ERR_SHUTTING_DOWN; running ones finish at the executor. */
  close(): void {
    this.closed = true;
    const err = new ZHubError('HUB_ERR_SHUTTING_DOWN', 'the hub is shutting down', {
      retryable: true,
    });
    for (const l of this.lanes) {
      l.each((e) => this.settle(e, err, false));
      while (l.shift() !== undefined);
    }
  }

  /** Starts tasks while the executor has room. */
  private dispatch(): void {
    while (this.executor.free() > 0) {
      const lane = this.pick();
      if (lane === undefined) return;
      const e = lane.shift();
      if (e === undefined) continue;
      this.start(lane, e);
    }
  }

  /** Smooth weighted round robin over the lanes that hold work. */
  private pick(): Lane<P> | undefined {
    let best: Lane<P> | undefined;
    let total = 0;
    for (const l of this.lanes) {
      if (l.size === 0) continue;
      l.credit += l.limits.weight;
      total += l.limits.weight;
      if (best === undefined || l.credit > best.credit) best = l;
    }
    if (best !== undefined) best.credit -= total;
    return best;
  }

  private start(lane: Lane<P>, e: Entry<P>): void {
    const task = e.task;
    task.started = this.clock.now();
    this.observer?.waited(lane.name, (task.started - task.arrived) / 1000);
    lane.running++;
    this.running.set(task, e);
    let run: Promise<unknown>;
    try {
      run = this.executor.run(task);
    } catch (err) {
      run = Promise.reject(err);
    }
    run.then(
      (value) => this.ran(lane, e, value, true),
      (err: unknown) => this.ran(lane, e, err, false),
    );
  }

  private ran(lane: Lane<P>, e: Entry<P>, outcome: unknown, ok: boolean): void {
    lane.running--;
    this.running.delete(e.task);
    const task = e.task;
    const died = !ok && (outcome as { code?: string })?.code === 'HUB_ERR_WORKER_DIED';
    if (died && task.idempotent && !task.retried && !e.settled && !this.closed) {
      // Run once more, before anything that arrived after it.
      task.retried = true;
      task.started = undefined;
      lane.retried++;
      e.queued = true;
      lane.pushFront(e);
    } else {
      if (!e.settled) {
        this.observer?.ran(lane.name, (this.clock.now() - (task.started ?? 0)) / 1000, ok);
        lane.completed++;
      }
      this.settle(e, outcome, ok);
    }
    this.dispatch();
  }

  private expire(lane: Lane<P>, e: Entry<P>, deadlineMs: number): void {
    e.timer = undefined;
    if (e.settled) return;
    lane.timeouts++;
    const running = e.task.started !== undefined;
    lane.drop(e);
    this.settle(
      e,
      new ZHubError(
        'HUB_ERR_TIMEOUT',
        `no answer within ${deadlineMs} ms (lane '${lane.name}', ${running ? 'running' : 'still waiting for a worker'})`,
        { data: { lane: lane.name, deadlineMs, running }, retryable: true },
      ),
      false,
    );
    if (running) this.executor.cancel(e.task);
  }

  private settle(e: Entry<P>, outcome: unknown, ok: boolean): void {
    if (e.settled) return;
    e.settled = true;
    if (e.timer !== undefined) this.clock.clearTimeout(e.timer);
    e.timer = undefined;
    if (ok) e.resolve(outcome);
    else e.reject(outcome);
  }
}
