import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import type { ZHubError } from '../../shared/index.js';
import { argsCheck, defineContract, type ContractArgs } from '../../shared/index.js';
import { HubService, type Caller } from '../../hub/index.js';
import { testHub, type TestHub } from '../../testing/index.js';

const InventoryContract = defineContract('InventoryService', {
  count: { args: [z.string().min(1)], names: ['deviceId'], result: z.number() },
  report: {
    args: [
      z.string(),
      z.object({ n: z.number().int(), tags: z.array(z.string()).default([]) }),
      z.boolean().default(false),
    ],
    names: ['deviceId', 'report', 'replace'],
    result: z.object({ total: z.number(), tags: z.array(z.string()) }),
  },
});

class InventoryService extends HubService {
  static override contract = InventoryContract;
  static withCaller = ['report'];
  readonly counts = new Map<string, number>();
  ran = 0;

  remote_count(deviceId: string): number {
    this.ran++;
    return this.counts.get(deviceId) ?? 0;
  }

  remote_report(
    _caller: Caller,
    deviceId: string,
    report: { n: number; tags: string[] },
    replace: boolean,
  ): { total: number; tags: string[] } {
    this.ran++;
    const total = (replace ? 0 : (this.counts.get(deviceId) ?? 0)) + report.n;
    this.counts.set(deviceId, total);
    return { total, tags: report.tags };
  }

  remote_untyped(v: unknown): unknown {
    return v;
  }
}

function thrown(f: () => unknown): ZHubError {
  try {
    f();
  } catch (err) {
    return err as ZHubError;
  }
  throw new Error('did not throw');
}

describe('argsCheck', () => {
  const check = argsCheck('report', InventoryContract.methods.report);

  it('fills in defaults and answers the parsed arguments', () => {
    expect(check(['r1', { n: 2 }])).toEqual(['r1', { n: 2, tags: [] }, false]);
  });

  it('names the argument and the field of a bad value', () => {
    const err = thrown(() => check(['r1', { n: 1.5, tags: ['a', 3] }]));
    expect(err.code).toBe('HUB_ERR_BAD_ARGUMENT');
    expect(err.data).toEqual({ field: 'report.n' });
    expect(err.message).toMatch(
      /^report\(deviceId, report, replace\): report\.n: .*report\.tags\[1\]/,
    );
  });

  it('refuses a missing required argument and extra arguments', () => {
    expect(thrown(() => check([])).data).toEqual({ field: 'deviceId' });
    const extra = thrown(() => check(['r1', { n: 1 }, true, 'more']));
    expect(extra.message).toMatch(/takes 3 arguments, got 4/);
  });

  it('accepts and refuses exactly what zod does for bare number, string and boolean schemas', () => {
    const odd = [
      0,
      -0,
      1.5,
      -1e308,
      Infinity,
      -Infinity,
      NaN,
      '1',
      '',
      true,
      false,
      null,
      undefined,
      {},
      [],
      1n,
    ];
    const schemas = [
      z.number(),
      z.string(),
      z.boolean(),
      z.number().int(),
      z.coerce.number(),
      z.string().min(1),
    ];
    for (const schema of schemas) {
      const c = argsCheck('f', { args: [schema], result: z.void() });
      for (const v of odd) {
        const zod = schema.safeParse(v);
        let ours: unknown[] | undefined;
        try {
          ours = c([v]);
        } catch {
          ours = undefined;
        }
        expect(
          ours === undefined,
          `${String(schema._zod.def.type)} ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`,
        ).toBe(!zod.success);
        if (zod.success) expect(ours).toEqual([zod.data]);
      }
    }
  });

  it('accepts and refuses exactly what zod does for length-bounded strings, surrogate pairs included', () => {
    const pieces = ['a', 'é', '😀', '\ud800', '\udc00', ' '];
    const schemas = [
      z.string().min(1).max(4),
      z.string().min(3),
      z.string().max(3),
      z.string().min(2).max(2),
      z.string().min(1).max(100),
    ];
    // Every string of up to 6 pieces (each one or two UTF-16 units): 55,987 cases per schema.
    const strings: string[] = [''];
    for (let len = 1, last = ['']; len <= 6; len++) {
      last = last.flatMap((s) => pieces.map((p) => s + p));
      strings.push(...last);
    }
    strings.push('x'.repeat(100), 'x'.repeat(101), '😀'.repeat(50), '😀'.repeat(51));
    for (const schema of schemas) {
      const c = argsCheck('f', { args: [schema], result: z.void() });
      for (const v of strings) {
        let ok = true;
        try {
          c([v]);
        } catch {
          ok = false;
        }
        if (ok !== schema.safeParse(v).success) expect.fail(`${JSON.stringify(v)}: ours ${ok}`);
      }
    }
  });

  it('labels arguments by position when the contract gives no names', () => {
    const c = argsCheck('f', { args: [z.number()], result: z.void() });
    expect(thrown(() => c(['x'])).message).toMatch(/^f\(argument 1\): argument 1: /);
  });
});

describe('a service with a contract', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('is registered under the contract name and gives daemons a typed handle', async () => {
    t = await testHub({ services: [InventoryService] });
    const client = await t.connect();
    const inventory = await client.getService(InventoryContract);
    expect(await inventory.report('r1', { n: 3 })).toEqual({ total: 3, tags: [] });
    expect(await inventory.report('r1', { n: 2, tags: ['x'] })).toEqual({ total: 5, tags: ['x'] });
    expect(await inventory.count('r1')).toBe(5);
    expect(await inventory.$withOptions({ timeoutMs: 1_000 }).count('r2')).toBe(0);
    // The proxy underneath: untyped calls for dynamic use, and the reference API.
    expect(await inventory.$proxy.callRemote('untyped', [1])).toEqual([1]);
    expect(inventory.$proxy.name).toBe('InventoryService');
  });

  it('refuses bad arguments before the method runs, naming the field', async () => {
    t = await testHub({ services: [InventoryService] });
    const client = await t.connect();
    const proxy = await client.getService('InventoryService');
    await expect(proxy.callRemote('count', 42)).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
      data: { field: 'deviceId' },
    });
    await expect(proxy.callRemote('report', 'r1', { n: 'many' })).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
      data: { field: 'report.n' },
    });
    const instance = t.hub.registry.instance('InventoryService', 'localhost') as InventoryService;
    expect(instance.ran).toBe(0);
  });

  it("checks the avatar's getService by its contract: the name, the monitor, the listener's kind", async () => {
    t = await testHub({ services: [InventoryService] });
    const client = await t.connect();
    const avatar = client.hub!;
    await expect(avatar.callRemote('getService', 7, 'localhost')).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
      data: { field: 'name' },
    });
    await expect(
      avatar.callRemote('getService', 'InventoryService', 'localhost', { fake: 'listener' }),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_BAD_ARGUMENT',
      message: expect.stringMatching(/listener must be a Referenceable of the caller/),
    });
    await expect(
      avatar.callRemote('getService', 'InventoryService', 'localhost', null),
    ).resolves.toBeDefined();
  });

  it('checks answers against the contract when the daemon asks', async () => {
    const Lying = defineContract('InventoryService', {
      count: { args: [z.string()], result: z.string() },
    });
    t = await testHub({ services: [InventoryService] });
    const client = await t.connect();
    const trusting = await client.getService(Lying);
    expect(await trusting.count('r1')).toBe(0);
    const checking = await client.getService(Lying, { checkResults: true });
    await expect(checking.count('r1')).rejects.toMatchObject({ code: 'HUB_ERR_BAD_MESSAGE' });
  });

  it('is refused at registration when its contract declares a method the class lacks', async () => {
    const Wider = defineContract('Wider', {
      count: { args: [z.string()], result: z.number() },
      missing: { args: [], result: z.void() },
    });
    class WiderService extends HubService {
      static override contract = Wider;
      remote_count(): number {
        return 0;
      }
    }
    await expect(testHub({ services: [WiderService] })).rejects.toMatchObject({
      code: 'HUB_ERR_SERVICE_LOAD',
      message: expect.stringMatching(/declares missing but the class has no remote_missing/),
    });
  });

  it('types the handle from the contract (checked by tsc)', () => {
    type ReportArgs = ContractArgs<typeof InventoryContract.methods.report.args>;
    const ok: ReportArgs[] = [
      ['r1', { n: 1 }],
      ['r1', { n: 1, tags: [] }, true],
    ];
    // @ts-expect-error the report argument is required
    const missing: ReportArgs = ['r1'];
    // @ts-expect-error n is a number
    const wrong: ReportArgs = ['r1', { n: '1' }];
    expect([ok.length, missing.length, wrong.length]).toEqual([2, 1, 2]);
  });
});
