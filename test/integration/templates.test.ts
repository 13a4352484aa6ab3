// Templates as an operator uses them: defined once, bound by devices (or by their collector),
// checked when bound, pushed to daemons when edited (no pull needed), a device's own
// datasource replacing a template's of the same name, and no removal while bound.
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectContext, CollectResult, Collector } from '../../daemons/index.js';
import { testHub, type TestHub } from '../../testing/index.js';

class Recording implements Collector {
  readonly type = 'rec';
  readonly seen: { device: string; datasource: string; params: Record<string, unknown> }[] = [];
  collect(ctx: CollectContext): Promise<CollectResult> {
    this.seen.push({
      device: ctx.device.id,
      datasource: ctx.datasource.name,
      params: ctx.datasource.params,
    });
    return Promise.resolve({ values: [{ datapoint: 'v', value: 1 }] });
  }
}

const ds = (name: string, params: Record<string, unknown> = {}, interval = 60) => ({
  name,
  type: 'rec',
  interval,
  params,
  datapoints: [{ name: 'v', threshold: { max: 10 } }],
});

describe('templates', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('gives every bound device the template, and an edit reaches the daemon without a pull', async () => {
    t = await testHub();
    await t.model.putTemplates({ name: 'env', datasources: [ds('temp', { probe: 1 })] }, 'add');
    await t.model.putDevices(
      [
        { id: 'a', address: '192.0.2.1', properties: { zDeviceTemplates: ['env'] } },
        {
          id: 'b',
          address: '192.0.2.2',
          properties: { zDeviceTemplates: ['env'] },
          // Its own 'temp' replaces the template's; its own 'fan' comes after.
          datasources: [ds('temp', { probe: 2 }), ds('fan')],
        },
        { id: 'c', address: '192.0.2.3' },
      ],
      'add',
    );
    const rec = new Recording();
    const daemon = await t.collector({ collectors: [rec] });
    expect(daemon.datasourcesOf(daemon.devices.get('a')!).map((d) => d.name)).toEqual(['temp']);
    expect(daemon.datasourcesOf(daemon.devices.get('b')!).map((d) => [d.name, d.params])).toEqual([
      ['temp', { probe: 2 }],
      ['fan', {}],
    ]);
    expect(daemon.datasourcesOf(daemon.devices.get('c')!)).toEqual([]);
    await t.until(() => rec.seen.some((s) => s.device === 'a'));
    expect(rec.seen.find((s) => s.device === 'a')?.params).toEqual({ probe: 1 });

    // An edit: the daemon gets it pushed (its config cycle is hours away) and collects it.
    const pulls = daemon.templates.size;
    await t.model.editTemplate('env', { datasources: [ds('temp', { probe: 3 }), ds('humidity')] });
    await t.until(() => daemon.templates.get('env')?.datasources.length === 2);
    expect(daemon.templates.size).toBe(pulls);
    expect(daemon.datasourcesOf(daemon.devices.get('a')!).map((d) => d.name)).toEqual([
      'temp',
      'humidity',
    ]);
    rec.seen.length = 0;
    await t.until(() => rec.seen.some((s) => s.device === 'a' && s.datasource === 'humidity'));
    expect(
      rec.seen.find((s) => s.device === 'a' && s.datasource === 'temp')?.params ?? { probe: 3 },
    ).toEqual({
      probe: 3,
    });
  });

  it("binds through the collector's zDeviceTemplates, refuses unknown templates and removing bound ones", async () => {
    t = await testHub();
    await t.model.putTemplates([{ name: 'base', datasources: [ds('up')] }], 'add');
    await expect(
      t.model.putDevices(
        [{ id: 'x', address: 'x', properties: { zDeviceTemplates: ['nope'] } }],
        'add',
      ),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
      message: expect.stringMatching(/no template 'nope'/),
    });
    await expect(
      t.model.putDevices(
        [{ id: 'x', address: 'x', properties: { zDeviceTemplates: 'base' } }],
        'add',
      ),
    ).rejects.toMatchObject({ code: 'HUB_ERR_BAD_ARGUMENT' });
    await expect(
      t.model.editCollector('localhost', { zDeviceTemplates: ['nope'] }),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
    });
    await t.model.putDevices([{ id: 'x', address: 'x' }], 'add');
    const daemon = await t.collector({ collectors: [new Recording()] });
    expect(daemon.datasourcesOf(daemon.devices.get('x')!)).toEqual([]);
    // A default for every device of the monitor, pushed with the properties.
    await t.model.editCollector('localhost', { zDeviceTemplates: ['base'] });
    await t.until(() => daemon.datasourcesOf(daemon.devices.get('x')!).length === 1);
    expect(daemon.scheduler.has('x@60s')).toBe(true);
    await expect(t.model.removeTemplate('base')).rejects.toMatchObject({
      code: 'HUB_ERR_CONFLICT',
    });
    await t.model.editCollector('localhost', { zDeviceTemplates: [] });
    await t.until(() => !daemon.scheduler.has('x@60s'));
    await t.model.removeTemplate('base');
    await t.until(() => daemon.templates.get('base') === undefined);
    await expect(t.model.removeTemplate('base')).rejects.toMatchObject({
      code: 'HUB_ERR_NOT_FOUND',
    });
  });

  it('starts collecting bound devices from the cache, templates included, before the hub answers', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { CollectorDaemon } = await import('../../daemons/index.js');
    const { silentLogger } = await import('../../shared/index.js');
    const dataDir = await mkdtemp(join(tmpdir(), 'zhub-tpl-cache-'));
    try {
      t = await testHub();
      await t.model.putTemplates({ name: 'env', datasources: [ds('temp')] }, 'add');
      await t.model.putDevices(
        [{ id: 'a', address: 'a', properties: { zDeviceTemplates: ['env'] } }],
        'add',
      );
      const first = await t.collector({ collectors: [new Recording()], dataDir });
      await first.stop(); // saves the cache
      // A daemon whose hub never answers: it has only its cache.
      const offline = new CollectorDaemon({
        url: 'memory://nowhere',
        username: 'u',
        password: 'p',
        name: 'offline',
        dataDir,
        collectors: [new Recording()],
        logger: silentLogger(),
        connector: () => new Promise(() => undefined),
      });
      await offline.startCollecting();
      try {
        expect(offline.templates.get('env')?.datasources.map((d) => d.name)).toEqual(['temp']);
        expect(offline.scheduler.has('a@60s')).toBe(true);
      } finally {
        await offline.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
