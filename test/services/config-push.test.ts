import { describe, expect, it } from 'vitest';
import { ConfigPush } from '../../services/index.js';
import { DEFAULT_DATA_LIMITS, silentLogger, type RemoteReference } from '../../shared/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { until } from '../support/until.js';

const device = (id: string, address = `${id}.example`) => ({
  id,
  title: id,
  address,
  collector: 'east',
  properties: {},
  datasources: [],
  updatedAt: 1,
  generation: 1,
});

/** A listener as the hub holds it: calls are recorded, answered when the test says. */
class FakeListener {
  isDead = false;
  calls: { method: string; args: unknown }[] = [];
  private answers: (() => void)[] = [];
  constructor(private readonly mode: 'answer' | 'hold' | 'fail' = 'answer') {}
  callRemote(method: string, args?: { json?: string }): Promise<unknown> {
    this.calls.push({ method, args: args?.json === undefined ? undefined : JSON.parse(args.json) });
    if (this.mode === 'fail') return Promise.reject(new Error('daemon broke'));
    if (this.mode === 'hold') return new Promise((r) => this.answers.push(() => r(true)));
    return Promise.resolve(true);
  }
  answerOne(): void {
    this.answers.shift()?.();
  }
  get methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

function setup(listeners: FakeListener[], limits: Partial<typeof DEFAULT_DATA_LIMITS> = {}) {
  const clock = new ManualClock();
  const push = new ConfigPush(
    () => listeners as unknown as RemoteReference[],
    clock,
    silentLogger(),
    { ...DEFAULT_DATA_LIMITS, pushDelayMs: 200, pushBatchDevices: 2, maxPushBacklog: 4, ...limits },
  );
  return { clock, push };
}

describe('ConfigPush', () => {
  it('coalesces changes for pushDelayMs: properties first, a device changed twice sent once, a removal then re-add an update', async () => {
    const l = new FakeListener();
    const { clock, push } = setup([l]);
    push.add({ collector: 'east', generation: 2, updated: [device('a', 'old')], removed: ['b'] });
    push.add({
      collector: 'east',
      generation: 3,
      updated: [device('a', 'new'), device('b')],
      removed: [],
    });
    push.add({
      collector: 'east',
      generation: 4,
      updated: [],
      removed: ['c'],
      properties: { cycleInterval: 60 },
    });
    clock.advance(199);
    await new Promise((r) => setImmediate(r));
    expect(l.calls).toEqual([]);
    clock.advance(1);
    await until(() => l.calls.length === 3);
    expect(l.calls).toEqual([
      { method: 'setPropertyItems', args: [{ cycleInterval: 60 }] },
      { method: 'deleteDevices', args: [['c']] },
      { method: 'updateDeviceConfigs', args: [[device('a', 'new'), device('b')]] },
    ]);
    expect(push.stats).toMatchObject({ flushes: 1, callsSent: 3, callsFailed: 0 });
  });

  it('sends batches of pushBatchDevices in order, one call at a time per listener', async () => {
    const slow = new FakeListener('hold');
    const { push } = setup([slow], { maxPushBacklog: 100 });
    push.add({
      collector: 'east',
      generation: 2,
      updated: ['a', 'b', 'c', 'd', 'e'].map((id) => device(id)),
      removed: [],
    });
    await push.flush();
    await until(() => slow.calls.length === 1);
    await new Promise((r) => setImmediate(r));
    expect(slow.calls).toHaveLength(1); // the next waits for this answer
    slow.answerOne();
    await until(() => slow.calls.length === 2);
    slow.answerOne();
    await until(() => slow.calls.length === 3);
    expect(slow.calls.map((c) => (c.args as [{ id: string }[]])[0].map((d) => d.id))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e'],
    ]);
  });

  it('tells a listener that fell maxPushBacklog batches behind to reload, instead of queueing more', async () => {
    const stuck = new FakeListener('hold');
    const { push } = setup([stuck]);
    for (let g = 0; g < 3; g++) {
      push.add({
        collector: 'east',
        generation: g,
        updated: ['a', 'b', 'c', 'd'].map((id) => device(`${id}${g}`)),
        removed: [],
      });
      await push.flush();
    }
    await until(() => stuck.calls.length === 1);
    stuck.answerOne();
    await until(() => stuck.calls.length === 2);
    expect(stuck.methods).toEqual(['updateDeviceConfigs', 'notifyConfigChanged']);
    expect(push.stats.overflows).toBeGreaterThanOrEqual(1);
  });

  it('keeps pushing to the other listeners when one fails, and skips a dead one', async () => {
    const broken = new FakeListener('fail');
    const dead = new FakeListener();
    dead.isDead = true;
    const fine = new FakeListener();
    const { push } = setup([broken, dead, fine]);
    push.add({ collector: 'east', generation: 2, updated: [device('a')], removed: ['z'] });
    await push.flush();
    await until(() => fine.calls.length === 2 && broken.calls.length === 2);
    expect(fine.methods).toEqual(['deleteDevices', 'updateDeviceConfigs']);
    expect(dead.calls).toEqual([]);
    expect(push.stats.callsFailed).toBe(2);
  });

  it('sends nothing after close', async () => {
    const l = new FakeListener();
    const { clock, push } = setup([l]);
    push.add({ collector: 'east', generation: 2, updated: [device('a')], removed: [] });
    push.close();
    clock.advance(1_000);
    push.add({ collector: 'east', generation: 3, updated: [device('b')], removed: [] });
    await new Promise((r) => setImmediate(r));
    expect(l.calls).toEqual([]);
  });
});
