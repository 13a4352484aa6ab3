import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../daemons/index.js';
import { silentLogger } from '../../shared/index.js';
import { controlled, flushMicrotasks } from '../support/deferred.js';
import { ManualClock } from '../support/manual-clock.js';

function setup(extra: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) {
  const clock = new ManualClock(0);
  const events: string[] = [];
  const scheduler = new Scheduler({
    clock,
    log: silentLogger(),
    onMissed: (id) => events.push(`missed:${id}`),
    onRecovered: (id) => events.push(`recovered:${id}`),
    ...extra,
  });
  return { clock, scheduler, events };
}

describe('Scheduler', () => {
  it('spreads first runs over one interval (splay) and then runs every interval', async () => {
    let r = 0;
    const { clock, scheduler } = setup({ random: () => (r++ % 100) / 100 });
    const starts: number[] = [];
    for (let i = 0; i < 100; i++) {
      scheduler.upsert({
        id: `t${i}`,
        intervalMs: 10_000,
        run: () => (starts.push(clock.now()), Promise.resolve()),
      });
    }
    for (let t = 0; t < 10_000; t += 100) {
      clock.advance(100);
      await flushMicrotasks();
    }
    expect(starts.filter((s) => s < 10_000)).toHaveLength(100);
    const perSecond = new Map<number, number>();
    for (const s of starts.filter((x) => x < 10_000))
      perSecond.set(Math.floor(s / 1000), (perSecond.get(Math.floor(s / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(10);
    clock.advance(10_000);
    await flushMicrotasks();
    expect(starts.filter((s) => s < 20_000)).toHaveLength(200);
  });

  it('keeps the next run time when a task is replaced', () => {
    const { clock, scheduler } = setup({ random: () => 0.5 });
    scheduler.upsert({ id: 'a', intervalMs: 10_000, run: () => Promise.resolve() });
    const next = scheduler.nextRunOf('a');
    clock.advance(1_000);
    scheduler.upsert({ id: 'a', intervalMs: 10_000, run: () => Promise.resolve() });
    expect(scheduler.nextRunOf('a')).toBe(next);
  });

  it('runs at most maxConcurrent at once, the rest waiting in order', async () => {
    const { clock, scheduler } = setup({ maxConcurrent: 2, random: () => 0 });
    const gates = new Map<string, ReturnType<typeof controlled<void>>>();
    const started: string[] = [];
    for (const id of ['a', 'b', 'c', 'd']) {
      scheduler.upsert({
        id,
        intervalMs: 60_000,
        run: () => {
          started.push(id);
          const g = controlled<void>();
          gates.set(id, g);
          return g.promise;
        },
      });
    }
    clock.advance(0);
    expect(started).toEqual(['a', 'b']);
    expect(scheduler.status()).toEqual([2, 2, 4]);
    gates.get('b')?.resolve();
    await flushMicrotasks();
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('frees the slot of a hung task at its timeout, even if the task ignores the abort', async () => {
    const { clock, scheduler } = setup({ maxConcurrent: 1, random: () => 0, timeoutFraction: 0.5 });
    let aborted = false;
    scheduler.upsert({
      id: 'hung',
      intervalMs: 10_000,
      run: (signal) => {
        signal.addEventListener('abort', () => (aborted = true));
        return new Promise(() => undefined);
      },
    });
    let otherRan = false;
    scheduler.upsert({
      id: 'other',
      intervalMs: 10_000,
      run: () => ((otherRan = true), Promise.resolve()),
    });
    clock.advance(0);
    expect(otherRan).toBe(false);
    clock.advance(5_000);
    await flushMicrotasks();
    expect(aborted).toBe(true);
    expect(otherRan).toBe(true);
    expect(scheduler.stats.timeouts).toBe(1);
  });

  it('counts a run that comes due while the last one still runs as missed, and reports recovery', async () => {
    const { clock, scheduler, events } = setup({ random: () => 0, timeoutFraction: 5 });
    let gate = controlled<void>();
    scheduler.upsert({ id: 'slow', intervalMs: 1_000, run: () => gate.promise });
    clock.advance(0); // run 1 starts
    clock.advance(1_000); // run 2 due: still running
    clock.advance(1_000); // run 3 due: still running (reported once)
    expect(events).toEqual(['missed:slow']);
    expect(scheduler.stats.missed).toBe(2);
    gate.resolve();
    await flushMicrotasks();
    gate = controlled<void>();
    clock.advance(1_000); // runs on time
    gate.resolve();
    await flushMicrotasks();
    expect(events).toEqual(['missed:slow', 'recovered:slow']);
  });

  it('stops removed tasks, aborting a run in progress', () => {
    const { clock, scheduler } = setup({ random: () => 0 });
    let runs = 0;
    let aborted = false;
    scheduler.upsert({
      id: 'gone',
      intervalMs: 1_000,
      run: (signal) => {
        runs++;
        signal.addEventListener('abort', () => (aborted = true));
        return new Promise(() => undefined);
      },
    });
    clock.advance(0);
    scheduler.remove('gone');
    expect(aborted).toBe(true);
    clock.advance(10_000);
    expect(runs).toBe(1);
    scheduler.close();
    expect(clock.pending).toBe(0);
  });
});
