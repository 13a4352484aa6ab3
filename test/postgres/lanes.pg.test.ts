// Worker lanes on the PostgreSQL store: a worker opens its own pool on the hub's schema and
// reads what the hub wrote; ConfigService's pull is served from the config lane.
import { afterAll, describe, expect, it } from 'vitest';
import { LaneProbe } from '../fixtures/lanes/lane-services.js';
import { connectTestClient, startHub } from '../support/hub-fixture.js';
import { TestSchema } from './pg-fixture.js';

describe('worker lanes with PostgreSQL', () => {
  const schema = new TestSchema();
  afterAll(() => schema.drop());

  it("serves worker-lane calls from the worker's own pool on the hub's schema", async () => {
    const hub = await startHub({ store: await schema.store(), services: [LaneProbe] });
    try {
      const model = hub.zhub.hub.env.model;
      await model.putCollector({ name: 'east', properties: {} });
      await model.putDevices([{ id: 'router-1', collector: 'east', address: '10.0.0.1' }], 'add');
      const client = await connectTestClient(hub.url, { reconnect: false, monitor: 'east' });
      try {
        const probe = await client.getService('LaneProbe');
        expect(await probe.callRemote('collectors')).toContain('east');
        const config = await client.getService('ConfigService');
        const page = await config.callRemote<{ devices: { id: string }[]; cursor: unknown }>(
          'getDeviceConfigPage',
          0,
          null,
        );
        expect(page.devices.map((d) => d.id)).toEqual(['router-1']);
        const lanes = hub.zhub.hub.lanesStatus();
        expect(lanes.active).toBe(true);
        expect(lanes.lanes.find((l) => l.name === 'config')?.completed).toBe(1);
        expect(lanes.lanes.find((l) => l.name === 'other')?.completed).toBe(1);
      } finally {
        client.close();
      }
    } finally {
      await hub.close();
    }
  });
});
