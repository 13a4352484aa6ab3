// The project `zhub new collector NAME` writes: a collector plug-in and a test that passes.
import type { Scaffold } from './scaffold.js';

export function collectorProject(s: Scaffold): Record<string, string> {
  const { pascal, kebab } = s;
  const Collector = `${pascal}Collector`;
  return {
    [`src/${kebab}-collector.ts`]: `import { promises as dns } from 'node:dns';
import type { CollectContext, CollectResult, Collector } from 'zhub';

/**
 * Collects datasources of type '${kebab}': how long the device's address takes to resolve.
 * The daemon does the rest (schedule, thresholds, counter rates, the spool, delivery).
 */
export class ${Collector} implements Collector {
  readonly type = '${kebab}';

  async collect({ device, datasource, signal }: CollectContext): Promise<CollectResult> {
    const name = typeof datasource.params['name'] === 'string' ? datasource.params['name'] : device.address;
    const event = { device: device.id, component: name, eventClass: '/Status/${pascal}', eventKey: name };
    const started = performance.now();
    try {
      signal.throwIfAborted();
      const { address } = await dns.lookup(name);
      return {
        values: [
          { datapoint: 'resolves', value: 1 },
          { datapoint: 'lookupMs', value: performance.now() - started },
        ],
        // A clear (severity 0): the daemon sends it once, then only when the state changes.
        events: [{ ...event, severity: 0, summary: \`\${name} resolves to \${address}\` }],
      };
    } catch (err) {
      return {
        values: [{ datapoint: 'resolves', value: 0 }],
        events: [{ ...event, severity: 4, summary: \`\${name} does not resolve: \${(err as Error).message}\` }],
      };
    }
  }
}
`,
    [`test/${kebab}-collector.test.ts`]: `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testHub, type TestHub } from 'zhub/testing';
import { ${Collector} } from '../src/${kebab}-collector.js';

let t: TestHub;
before(async () => {
  t = await testHub();
});
after(() => t.close());

test('collects on schedule and delivers samples and events to the hub', async () => {
  await t.model.putDevices(
    [
      {
        id: 'good',
        address: 'localhost',
        datasources: [{ name: 'dns', type: '${kebab}', interval: 60, datapoints: [] }],
      },
      {
        id: 'bad',
        address: 'no-such-host.invalid',
        datasources: [{ name: 'dns', type: '${kebab}', interval: 60, datapoints: [] }],
      },
    ],
    'add',
  );
  const daemon = await t.collector({ collectors: [new ${Collector}()] });
  assert.equal(daemon.devices.size, 2);
  // The clock is a manual one: until() moves it until the samples and the event are stored.
  await t.until(async () => (await t.store.metrics.countSamples()) >= 3);
  daemon.flushEvents();
  await t.until(async () => (await t.store.events.queryEvents({ state: 'open' })).total === 1);
  const { events } = await t.store.events.queryEvents({ state: 'open' });
  assert.equal(events[0]?.device, 'bad');
  const up = await t.store.metrics.queryMetrics({ device: 'good', metric: 'resolves', from: 0, to: t.clock.now() + 1 });
  assert.equal(up[0]?.v, 1);
});
`,
    'README.md': `# ${s.name}

A zhub collector plug-in, ${Collector}, for datasources of type \`${kebab}\`.

\`\`\`sh
npm install
npm test        # builds, then runs test/ against an in-memory hub on a manual clock
ZHUB_PASSWORD=... npx zhub daemon ${kebab} --collector ./dist/src/${kebab}-collector.js --hub ws://HUB:8789/hub
\`\`\`

Give a device a datasource of this type (params.name: the name to resolve; default: the
device's address):

\`\`\`sh
npx zhub device add router-1 --address router-1.example \\
  --datasource '{"name":"dns","type":"${kebab}","interval":60}'
\`\`\`
`,
  };
}
