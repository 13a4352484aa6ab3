import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Clock, Logger, TimerHandle, WorkerPoolLimits } from '../../shared/index.js';
import { fromErrorRecord, RawJson, toErrorRecord, ZHubError } from '../../shared/index.js';
import type { LaneExecutor, LaneTask } from './lane-scheduler.js';
import type {
  CallMessage,
  FromWorker,
  LogMessage,
  MetricMessage,
  PushMessage,
  WorkerInit,
} from './worker-protocol.js';

/** A call for a worker: the call message without its envelope. */
export type WorkerCall = Omit<CallMessage, 't' | 'id'>;

/** What the pool hands back to the hub's loop. */
export interface PoolHooks {
  /** A worker asked for a push to a listener: answer what the daemon answered. */
  push(m: PushMessage): Promise<unknown>;
  log(m: LogMessage, worker: number): void;
  metric(m: MetricMessage): void;
}

/** Why workers were replaced, counted. */
export interface RestartCounts {
  /** A call ran past its deadline: the worker was terminated. */
  deadline: number;
  /** It exited on its own (a crash, out of memory). */
  died: number;
  /** After `recycleAfterCalls` calls or past `recycleHeapMb`. */
  recycled: number;
  /** Its store would not open. */
  startFailed: number;
}

/** One worker, as the status page shows it. */
export interface WorkerFigures {
  id: number;
  state: 'starting' | 'idle' | 'busy';
  calls: number;
  heapBytes: number;
  /** The call it runs now and for how long. */
  running: { service: string; method: string; monitor: string; daemon: string; ms: number } | null;
}

interface Running {
  id: number;
  task: LaneTask<WorkerCall>;
  started: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

class PoolWorker {
  ready = false;
  calls = 0;
  heapBytes = 0;
  current: Running | undefined;
  startTimer: TimerHandle | undefined;
  /** Terminated by the pool (deadline, recycling, close): its exit is expected. */
  ending: keyof RestartCounts | 'closed' | undefined;

  constructor(
    readonly id: number,
    readonly thread: Worker,
  ) {}
}

/**
 * The worker entry next to this file: the built JavaScript, or (development and tests, run
 * through tsx) a bootstrap that registers tsx's loader in the thread before importing the
 * TypeScript source — a loader given to the main thread with --import does not reach workers
 * on Node 20.
 */
function workerEntry(): { url: URL | string; eval: boolean } {
  const js = new URL('./lane-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, eval: false };
  const ts = new URL('./lane-worker.ts', import.meta.url).href;
  // tsx's ESM API (`exports['./esm/api'].import`): require.resolve would give its CommonJS twin.
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsx = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  return {
    url: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`,
    eval: true,
  };
}

/**
 * The lane workers: up to `threads` worker threads, started when calls need them, one call
 * at a time each (ZenHub's zenhubworkers, as threads). A worker is replaced after
 * `recycleAfterCalls` calls or past `recycleHeapMb` of heap (when idle, so no call is cut),
 * when a call runs past its deadline (terminated: ZenHub has no hub-side deadline and a hung
 * worker stays hung), and when it dies; a call it was running fails with
 * HUB_ERR_WORKER_DIED (the lanes run an idempotent one again).
 */
export class WorkerPool implements LaneExecutor<WorkerCall> {
  readonly restarts: RestartCounts = { deadline: 0, died: 0, recycled: 0, startFailed: 0 };
  private readonly workers = new Map<number, PoolWorker>();
  private readonly entry = workerEntry();
  private nextWorker = 1;
  private nextCall = 1;
  private closed = false;

  constructor(
    private readonly init: WorkerInit,
    private readonly limits: WorkerPoolLimits,
    private readonly hooks: PoolHooks,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  free(): number {
    if (this.closed) return 0;
    let idle = 0;
    for (const w of this.workers.values()) if (w.current === undefined && !w.ending) idle++;
    return idle + Math.max(0, this.limits.threads - this.live());
  }

  run(task: LaneTask<WorkerCall>): Promise<unknown> {
    if (this.closed)
      return Promise.reject(
        new ZHubError('HUB_ERR_SHUTTING_DOWN', 'the hub is shutting down', { retryable: true }),
      );
    let worker: PoolWorker | undefined;
    for (const w of this.workers.values())
      if (w.current === undefined && !w.ending && (worker === undefined || w.ready)) worker = w;
    worker ??= this.spawn();
    const w = worker;
    return new Promise((resolve, reject) => {
      const id = this.nextCall++;
      w.current = { id, task, started: this.clock.now(), resolve, reject };
      try {
        w.thread.postMessage({ t: 'call', id, ...task.payload } satisfies CallMessage);
      } catch (err) {
        w.current = undefined;
        reject(
          new ZHubError(
            'HUB_ERR_BAD_ARGUMENT',
            `the arguments of ${task.payload.service}.${task.payload.method} cannot be sent to a worker lane (${(err as Error).message}); references and functions work only on the loop`,
          ),
        );
      }
    });
  }

  cancel(task: LaneTask<WorkerCall>): void {
    for (const w of this.workers.values()) {
      if (w.current?.task === task) {
        this.log.warn(
          {
            worker: w.id,
            service: task.payload.service,
            method: task.payload.method,
            ms: this.clock.now() - w.current.started,
          },
          'a call ran past its deadline: its worker is replaced',
        );
        void this.end(w, 'deadline');
      }
    }
  }

  /** Workers running or starting. */
  live(): number {
    let n = 0;
    for (const w of this.workers.values()) if (!w.ending) n++;
    return n;
  }

  figures(): WorkerFigures[] {
    const now = this.clock.now();
    return [...this.workers.values()]
      .filter((w) => !w.ending)
      .map((w) => ({
        id: w.id,
        state: !w.ready ? 'starting' : w.current ? 'busy' : 'idle',
        calls: w.calls,
        heapBytes: w.heapBytes,
        running: w.current
          ? {
              service: w.current.task.payload.service,
              method: w.current.task.payload.method,
              monitor: w.current.task.payload.monitor,
              daemon: w.current.task.payload.daemon,
              ms: now - w.current.started,
            }
          : null,
      }));
  }

  /** Terminates every worker; calls they run fail with HUB_ERR_SHUTTING_DOWN. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.workers.values()];
    await Promise.all(all.map((w) => this.end(w, 'closed')));
  }

  private spawn(): PoolWorker {
    const thread = new Worker(this.entry.url, {
      eval: this.entry.eval,
      workerData: this.init,
      stdout: false,
      stderr: false,
    });
    const w = new PoolWorker(this.nextWorker++, thread);
    this.workers.set(w.id, w);
    thread.on('message', (m: FromWorker) => this.onMessage(w, m));
    thread.on('error', (err) => {
      if (!w.ending) this.log.error({ err, worker: w.id }, 'a lane worker failed');
    });
    thread.on('exit', (code) => this.exited(w, code));
    w.startTimer = this.clock.setTimeout(() => {
      if (w.ready || w.ending) return;
      this.log.error(
        { worker: w.id },
        `a lane worker did not start within ${this.limits.startTimeoutMs} ms`,
      );
      void this.end(w, 'startFailed');
    }, this.limits.startTimeoutMs);
    return w;
  }

  private onMessage(w: PoolWorker, m: FromWorker): void {
    switch (m.t) {
      case 'ready':
        w.ready = true;
        if (w.startTimer !== undefined) this.clock.clearTimeout(w.startTimer);
        return;
      case 'start-failed': {
        this.log.error({ worker: w.id, err: m.error }, 'a lane worker could not open the store');
        const c = w.current;
        w.current = undefined;
        c?.reject(fromErrorRecord(m.error, m.error.data));
        void this.end(w, 'startFailed');
        return;
      }
      case 'done': {
        const c = w.current;
        if (c === undefined || c.id !== m.id) return;
        w.current = undefined;
        w.calls++;
        w.heapBytes = m.heapBytes;
        if (m.ok) c.resolve(m.raw !== undefined ? new RawJson(m.raw) : m.value);
        else if (m.error) c.reject(fromErrorRecord(m.error, m.error.data));
        else
          c.reject(
            new ZHubError('HUB_ERR_REMOTE', 'the worker answered an error without a record'),
          );
        if (
          w.calls >= this.limits.recycleAfterCalls ||
          w.heapBytes > this.limits.recycleHeapMb * 1024 * 1024
        ) {
          void this.end(w, 'recycled');
          // Its replacement starts now, not on the critical path of the next call.
          if (!this.closed && this.live() < this.limits.threads) this.spawn();
        }
        return;
      }
      case 'push':
        this.hooks.push(m).then(
          (value) => this.answerPush(w, m.id, true, value),
          (err: unknown) => this.answerPush(w, m.id, false, err),
        );
        return;
      case 'log':
        this.hooks.log(m, w.id);
        return;
      case 'metric':
        this.hooks.metric(m);
        return;
    }
  }

  private answerPush(w: PoolWorker, id: number, ok: boolean, outcome: unknown): void {
    if (w.ending) return;
    const failed = (err: unknown): void =>
      w.thread.postMessage({ t: 'pushed', id, ok: false, error: toErrorRecord(err, false) });
    if (!ok) return failed(outcome);
    try {
      w.thread.postMessage({ t: 'pushed', id, ok: true, value: outcome });
    } catch (err) {
      failed(
        new ZHubError(
          'HUB_ERR_NOT_COPYABLE',
          `the listener's answer cannot be sent to the worker: ${(err as Error).message}`,
        ),
      );
    }
  }

  /** Terminates `w` for `why`; its call (if any) fails. */
  private end(w: PoolWorker, why: keyof RestartCounts | 'closed'): Promise<number> {
    if (w.ending) return Promise.resolve(0);
    w.ending = why;
    if (why !== 'closed') this.restarts[why]++;
    if (w.startTimer !== undefined) this.clock.clearTimeout(w.startTimer);
    this.failCurrent(w);
    return w.thread.terminate();
  }

  private exited(w: PoolWorker, code: number): void {
    this.workers.delete(w.id);
    if (w.startTimer !== undefined) this.clock.clearTimeout(w.startTimer);
    if (!w.ending) {
      w.ending = 'died';
      this.restarts.died++;
      this.log.error({ worker: w.id, code }, 'a lane worker exited');
    }
    this.failCurrent(w);
  }

  private failCurrent(w: PoolWorker): void {
    const c = w.current;
    if (c === undefined) return;
    w.current = undefined;
    const p = c.task.payload;
    c.reject(
      w.ending === 'closed'
        ? new ZHubError('HUB_ERR_SHUTTING_DOWN', 'the hub is shutting down', { retryable: true })
        : new ZHubError(
            'HUB_ERR_WORKER_DIED',
            `the worker running ${p.service}.${p.method} ${w.ending === 'deadline' ? 'was stopped at the deadline' : 'died'}; the call may not have finished`,
            { retryable: true, data: { worker: w.id } },
          ),
    );
  }
}
