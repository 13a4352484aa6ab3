// The weighted lane scheduler alone, with a manual clock and an executor whose tasks end when
// the test says: order, shares, work conservation, bounds, deadlines and retries.
import { describe, expect, it } from 'vitest';
import type { LaneName } from '../../../shared/index.js';
import { ZHubError } from '../../../shared/index.js';
import {
  LaneScheduler,
  type LaneExecutor,
  type LaneTask,
} from '../../../hub/lanes/lane-scheduler.js';
import { ManualClock } from '../../support/manual-clock.js';

/** Runs up to `slots` tasks; each waits until the test finishes it. */
class FakeExecutor implements LaneExecutor<string> {
  readonly started: string[] = [];
  readonly cancelled: string[] = [];
  private readonly running = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  constructor(public slots: number) {}
  free(): number {
    return this.slots - this.running.size;
  }
  run(task: LaneTask<string>): Promise<unknown> {
    this.started.push(task.payload);
    return new Promise((resolve, reject) => this.running.set(task.payload, { resolve, reject }));
  }
  cancel(task: LaneTask<string>): void {
    this.cancelled.push(task.payload);
    this.fail(task.payload, new ZHubError('HUB_ERR_WORKER_DIED', 'stopped'));
  }
  finish(name: string, value: unknown = name): void {
    const r = this.running.get(name);
    this.running.delete(name);
    r?.resolve(value);
  }
  fail(name: string, err: unknown): void {
    const r = this.running.get(name);
    this.running.delete(name);
    r?.reject(err);
  }
  /** Finishes whatever runs, one at a time, `n` times; answers the order they started in. */
  async drain(n: number): Promise<string[]> {
    for (let i = 0; i < n; i++) {
      const next = [...this.running.keys()][0];
      if (next === undefined) break;
      this.finish(next);
      await Promise.resolve();
      await Promise.resolve();
    }
    return this.started;
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
const codeOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (v) => v,
    (e: { code?: string }) => e.code,
  );

describe('LaneScheduler', () => {
  it('shares the workers by weight while every lane has work, and never starves the lowest', async () => {
    const exec = new FakeExecutor(1);
    const lanes = new LaneScheduler(exec, new ManualClock());
    const all: Promise<unknown>[] = [];
    // The first task starts at once (idle executor); the rest wait, more than 99 picks' worth.
    for (const [lane, n] of [
      ['events', 200],
      ['config', 60],
      ['modelling', 60],
    ] as [LaneName, number][])
      for (let i = 0; i < n; i++) all.push(lanes.submit(lane, `${lane}-${i}`));
    const order = await exec.drain(120);
    const counts = (prefix: string) =>
      order.slice(1, 100).filter((n) => n.startsWith(prefix)).length;
    // Weights 16 : 2 : 1 over 99 picks: about 83, 10 and 5.
    expect(counts('events')).toBeGreaterThanOrEqual(80);
    expect(counts('config')).toBeGreaterThanOrEqual(9);
    expect(counts('modelling')).toBeGreaterThanOrEqual(4);
    // Within a lane, oldest first.
    const ev = order.filter((n) => n.startsWith('events'));
    expect(ev).toEqual([...ev].sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1])));
    void Promise.allSettled(all);
  });

  it('is work-conserving: a lone low lane takes every free worker, an idle lane takes nothing', async () => {
    const exec = new FakeExecutor(3);
    const lanes = new LaneScheduler(exec, new ManualClock());
    for (let i = 0; i < 3; i++) void lanes.submit('modelling', `m${i}`);
    expect(exec.started).toEqual(['m0', 'm1', 'm2']);
    // A higher lane's call waits only for the next free worker, then goes first.
    void lanes.submit('modelling', 'm3');
    void lanes.submit('events', 'e0');
    exec.finish('m0');
    await settle();
    expect(exec.started.slice(3)).toEqual(['e0']);
    exec.finish('m1');
    await settle();
    expect(exec.started.slice(4)).toEqual(['m3']);
  });

  it('answers HUB_ERR_BUSY past maxQueue, counted, and runs nothing of it', async () => {
    const exec = new FakeExecutor(1);
    const lanes = new LaneScheduler(exec, new ManualClock(), { config: { maxQueue: 2 } });
    const first = lanes.submit('config', 'running');
    const waiting = [lanes.submit('config', 'q1'), lanes.submit('config', 'q2')];
    const err = (await codeOf(lanes.submit('config', 'q3'))) as string;
    expect(err).toBe('HUB_ERR_BUSY');
    expect(lanes.figures().find((l) => l.name === 'config')).toMatchObject({
      queued: 2,
      running: 1,
      refused: 1,
    });
    await exec.drain(3);
    expect(await first).toBe('running');
    expect(await Promise.all(waiting)).toEqual(['q1', 'q2']);
    expect(exec.started).not.toContain('q3');
  });

  it('times out a waiting call and a running one at the deadline; the running one is cancelled', async () => {
    const clock = new ManualClock();
    const exec = new FakeExecutor(1);
    const lanes = new LaneScheduler(exec, clock, { other: { deadlineMs: 1_000 } });
    const running = codeOf(lanes.submit('other', 'a'));
    const waiting = codeOf(lanes.submit('other', 'b'));
    const ownDeadline = codeOf(lanes.submit('other', 'c', { deadlineMs: 5_000 }));
    clock.advance(999);
    await settle();
    expect(exec.cancelled).toEqual([]);
    clock.advance(1);
    expect(await running).toBe('HUB_ERR_TIMEOUT');
    expect(await waiting).toBe('HUB_ERR_TIMEOUT');
    expect(exec.cancelled).toEqual(['a']);
    await settle();
    // 'b' never ran; 'c' (its own 5 s deadline) got the worker.
    expect(exec.started).toEqual(['a', 'c']);
    exec.finish('c');
    expect(await ownDeadline).toBe('c');
    expect(lanes.figures().find((l) => l.name === 'other')?.timeouts).toBe(2);
    expect(clock.pending).toBe(0); // no timer left behind
  });

  it('runs an idempotent call once more when its worker dies, before later calls; others fail', async () => {
    const exec = new FakeExecutor(1);
    const lanes = new LaneScheduler(exec, new ManualClock());
    const died = () => new ZHubError('HUB_ERR_WORKER_DIED', 'died', { retryable: true });
    const retried = lanes.submit('singleDevice', 'idem', { idempotent: true });
    const later = lanes.submit('singleDevice', 'later');
    exec.fail('idem', died());
    await settle();
    expect(exec.started).toEqual(['idem', 'idem']);
    exec.fail('idem', died()); // only once
    expect(await codeOf(retried)).toBe('HUB_ERR_WORKER_DIED');
    await settle();
    exec.fail('later', died());
    expect(await codeOf(later)).toBe('HUB_ERR_WORKER_DIED');
    expect(lanes.figures().find((l) => l.name === 'singleDevice')?.retried).toBe(1);
  });

  it('answers what waits HUB_ERR_SHUTTING_DOWN on close, and takes nothing after', async () => {
    const exec = new FakeExecutor(1);
    const lanes = new LaneScheduler(exec, new ManualClock());
    void lanes.submit('events', 'running');
    const waiting = codeOf(lanes.submit('events', 'w'));
    lanes.close();
    expect(await waiting).toBe('HUB_ERR_SHUTTING_DOWN');
    expect(await codeOf(lanes.submit('events', 'x'))).toBe('HUB_ERR_SHUTTING_DOWN');
    expect(lanes.queued).toBe(0);
  });
});
