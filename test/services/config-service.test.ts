import { afterEach, describe, expect, it } from 'vitest';
import type { HubClient } from '../../daemons/index.js';
import type { Device } from '../../hub/index.js';
import { Referenceable, ZHubError } from '../../shared/index.js';
import { memoryHub } from '../support/memory-hub.js';
import { until } from '../support/until.js';

class ConfigListener extends Referenceable {
  updates: Device[][] = [];
  deletes: string[][] = [];
  reloads = 0;
  fail = false;
  remote_updateDeviceConfigs(devices: Device[]): void {
    if (this.fail) throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'listener refuses');
    this.updates.push(devices);
  }
  remote_deleteDevices(ids: string[]): void {
    this.deletes.push(ids);
  }
  remote_notifyConfigChanged(): void {
    this.reloads++;
  }
  get updatedIds(): string[] {
    return this.updates.flat().map((d) => d.id);
  }
}

const dev = (id: string, collector = 'localhost') => ({
  id,
  address: `10.0.0.${id.length}`,
  collector,
});

describe('ConfigService', () => {
  const clients: HubClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  async function setup(dataLimits = {}) {
    const env = await memoryHub({ dataLimits });
    const connect = async (monitor = 'localhost', listener?: ConfigListener) => {
      const c = await env.connected({ monitor });
      clients.push(c);
      return c.getService('ConfigService', listener ? { listener } : {});
    };
    return { env, model: env.hub.env.model, connect };
  }

  it('answers the collector properties and generation', async () => {
    const { connect, model } = await setup();
    await model.putCollector({ name: 'localhost', properties: { cycleInterval: 60 } });
    const svc = await connect();
    expect(await svc.callRemote('getConfigProperties')).toMatchObject({
      name: 'localhost',
      properties: { cycleInterval: 60, configCycleInterval: 21_600 },
    });
  });

  it('answers the pull diff and single devices of its own monitor only', async () => {
    const { connect, model } = await setup();
    await model.putCollector({ name: 'dc2', properties: {} });
    await model.putDevices([dev('a'), dev('b'), dev('elsewhere', 'dc2')], 'add');
    const svc = await connect();
    const first = await svc.callRemote<{ new: Device[]; asOf: number; generation: number }>(
      'getDeviceConfigs',
      0,
      [],
    );
    expect(first.new.map((d) => d.id)).toEqual(['a', 'b']);
    await model.removeDevices(['b']);
    const next = await svc.callRemote<{ new: Device[]; removed: string[] }>(
      'getDeviceConfigs',
      first.asOf,
      ['a', 'b'],
    );
    expect(next.removed).toEqual(['b']);
    expect(await svc.callRemote('getDeviceConfig', 'a')).toMatchObject({
      id: 'a',
      collector: 'localhost',
    });
    await expect(svc.callRemote('getDeviceConfig', 'elsewhere')).rejects.toMatchObject({
      code: 'HUB_ERR_NOT_FOUND',
    });
    await expect(svc.callRemote('getDeviceConfigs', 'yesterday', [])).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
    await expect(svc.callRemote('getDeviceConfigs', 0, [1, 2])).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
  });

  it('pushes changes to listeners after the coalescing delay, one call for many changes', async () => {
    const { env, connect, model } = await setup({ pushDelayMs: 200 });
    const listener = new ConfigListener();
    await connect('localhost', listener);
    for (let i = 0; i < 10; i++) await model.putDevices([dev(`d${i}`)], 'add');
    await model.putDevices([{ ...dev('d3'), address: '192.0.2.3' }], 'upsert');
    env.clock.advance(199);
    await new Promise((r) => setImmediate(r));
    expect(listener.updates).toHaveLength(0);
    env.clock.advance(1);
    await until(() => listener.updates.length > 0);
    expect(listener.updates).toHaveLength(1);
    expect(listener.updatedIds).toHaveLength(10);
    expect(listener.updates[0]?.find((d) => d.id === 'd3')?.address).toBe('192.0.2.3');
  });

  it('splits a large import into batches and sends deletes', async () => {
    const { env, connect, model } = await setup({ pushBatchDevices: 500 });
    const listener = new ConfigListener();
    await connect('localhost', listener);
    await model.putDevices(
      Array.from({ length: 2100 }, (_, i) => dev(`n${i}`)),
      'add',
    );
    env.clock.advance(1000);
    await until(() => listener.updatedIds.length === 2100);
    expect(listener.updates.map((u) => u.length)).toEqual([500, 500, 500, 500, 100]);
    await model.removeDevices(['n1', 'n2']);
    env.clock.advance(1000);
    await until(() => listener.deletes.length === 1);
    expect(listener.deletes[0]).toEqual(['n1', 'n2']);
  });

  it('sends a moved device as a delete to the old monitor and an update to the new one', async () => {
    const { env, connect, model } = await setup();
    await model.putCollector({ name: 'dc2', properties: {} });
    await model.putDevices([dev('mover')], 'add');
    const onA = new ConfigListener();
    const onB = new ConfigListener();
    await connect('localhost', onA);
    await connect('dc2', onB);
    await model.editDevice('mover', { collector: 'dc2' });
    env.clock.advance(1000);
    await until(() => onA.deletes.length === 1 && onB.updates.length === 1);
    expect(onA.deletes[0]).toEqual(['mover']);
    expect(onB.updatedIds).toEqual(['mover']);
    expect(onA.updates).toEqual([]);
  });

  it('keeps pushing to the others when one listener fails', async () => {
    const { env, connect, model } = await setup();
    const bad = new ConfigListener();
    bad.fail = true;
    const good = new ConfigListener();
    await connect('localhost', bad);
    await connect('localhost', good);
    await model.putDevices([dev('x')], 'add');
    env.clock.advance(1000);
    await until(() => good.updates.length === 1);
    const svc = (
      env.hub.registry.allInstances().find((s) => s.name === 'ConfigService') as unknown as {
        push: { stats: { callsFailed: number } };
      }
    ).push;
    await until(() => svc.stats.callsFailed === 1);
  });

  it('tells a listener that fell too far behind to reload instead of queueing without bound', async () => {
    const { env, connect, model } = await setup({ pushBatchDevices: 1, maxPushBacklog: 3 });
    const slow = new ConfigListener();
    await connect('localhost', slow);
    await model.putDevices(
      Array.from({ length: 10 }, (_, i) => dev(`s${i}`)),
      'add',
    );
    env.clock.advance(1000);
    await until(() => slow.reloads === 1);
    expect(slow.updatedIds.length).toBeLessThan(10);
  });
});
