// The project `zhub new service NAME` writes: a contract, the service, and a test that passes.
import type { Scaffold } from './scaffold.js';

export function serviceProject(s: Scaffold): Record<string, string> {
  const { pascal, kebab } = s;
  const Service = `${pascal}Service`;
  const Contract = `${pascal}Contract`;
  return {
    'src/contract.ts': `import { defineContract, z } from 'zhub';

/**
 * What ${Service} offers, written once: the hub checks every call's arguments against it
 * before a method runs, and daemons import it for a typed handle.
 */
export const ${Contract} = defineContract('${Service}', {
  /** Records a reading of a device; answers how many it has. */
  record: {
    args: [z.string().min(1).max(128), z.number().finite()],
    names: ['deviceId', 'value'],
    result: z.number(),
  },
  /** The readings of a device so far (none: an empty list). */
  readings: { args: [z.string()], names: ['deviceId'], result: z.array(z.number()) },
});
`,
    [`src/services/${kebab}-service.ts`]: `import { HubService, type Caller } from 'zhub';
import { ${Contract} } from '../contract.js';

/**
 * One instance per monitor. Only \`remote_*\` methods are callable, with arguments the
 * contract has already checked; the caller comes from the session (\`withCaller\`).
 */
export class ${Service} extends HubService {
  static override contract: typeof ${Contract} = ${Contract};
  static withCaller = ['record'];

  private readonly values = new Map<string, number[]>();

  remote_record(caller: Caller, deviceId: string, value: number): number {
    const list = this.values.get(deviceId) ?? [];
    list.push(value);
    this.values.set(deviceId, list);
    this.log.debug({ daemon: caller.daemon, deviceId, value }, 'reading recorded');
    return list.length;
  }

  remote_readings(deviceId: string): number[] {
    return [...(this.values.get(deviceId) ?? [])];
  }
}
`,
    [`test/${kebab}-service.test.ts`]: `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testHub, type TestHub } from 'zhub/testing';
import { ${Contract} } from '../src/contract.js';
import { ${Service} } from '../src/services/${kebab}-service.js';

let t: TestHub;
before(async () => {
  t = await testHub({ services: [${Service}] });
});
after(() => t.close());

test('records readings and reads them back through the typed handle', async () => {
  const client = await t.connect({ name: 'test-daemon' });
  const svc = await client.getService(${Contract});
  assert.equal(await svc.record('router-1', 1.5), 1);
  assert.equal(await svc.record('router-1', 2.5), 2);
  assert.deepEqual(await svc.readings('router-1'), [1.5, 2.5]);
});

test('refuses a bad argument before the method runs, naming the field', async () => {
  const client = await t.connect();
  const svc = await client.getService('${Service}');
  await assert.rejects(svc.callRemote('record', 'router-1', 'not a number'), {
    code: 'HUB_ERR_BAD_ARGUMENT',
    data: { field: 'value' },
  });
});
`,
    'README.md': `# ${s.name}

A zhub service, ${Service}, with its contract (\`src/contract.ts\`) for daemons to import.

\`\`\`sh
npm install
npm test                                  # builds, then runs test/ on an in-memory hub
npx zhub hub --services dist/src/services # a hub serving it (the admin password is printed once)
ZHUB_PASSWORD=... npx zhub call ${Service} readings '"router-1"'
\`\`\`

A daemon calls it with a typed handle:

\`\`\`ts
import { connectHub } from 'zhub';
import { ${Contract} } from '${s.name}/contract';

const client = await connectHub({ url: 'ws://127.0.0.1:8789/hub', username: 'admin', password });
const svc = await client.getService(${Contract});
await svc.record('router-1', 42); // checked by tsc, and by the hub
\`\`\`
`,
  };
}
