import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliHub, stopCliHub } from '../support/cli.js';

describe('zhub daemon --collector: a collector module of one own', () => {
  let hub: Awaited<ReturnType<typeof startCliHub>>;
  let dir: string;
  let env: Record<string, string>;
  const zhub = (...args: string[]) => runCli([...args, '--hub', hub.url], { env });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zhub-own-collector-'));
    hub = await startCliHub(['--data', join(dir, 'hub')]);
    env = { ZHUB_PASSWORD: /password: (\S+)/.exec(hub.output())?.[1] as string };
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    // The guide's shape: a class with a type and collect(); nothing imported from zhub.
    await writeFile(
      join(dir, 'answer-collector.js'),
      [
        'export class AnswerCollector {',
        "  type = 'answer';",
        '  async collect({ device }) {',
        "    return { values: [{ datapoint: 'answer', value: device.id === 'oracle' ? 42 : 0 }] };",
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'nothing.js'), 'export const x = 1;\n');
  });
  afterAll(async () => {
    await stopCliHub(hub);
  });

  it('loads it, collects a device with it once and delivers', async () => {
    const add = await zhub(
      'device',
      'add',
      'oracle',
      '--address',
      '192.0.2.42',
      '--datasource',
      '{"name":"q","type":"answer","datapoints":[{"name":"answer"}]}',
    );
    expect(add.code).toBe(0);
    const run = await zhub(
      'daemon',
      '--collector',
      join(dir, 'answer-collector.js'),
      '--device',
      'oracle',
      '--data',
      join(dir, 'daemon'),
      '--log-level',
      'warn',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const base = hub.url.replace(/^ws/, 'http').replace(/\/hub$/, '');
    const res = await fetch(`${base}/api/metrics?device=oracle&metric=answer&from=0`, {
      headers: {
        authorization: `Basic ${Buffer.from(`admin:${env.ZHUB_PASSWORD}`).toString('base64')}`,
      },
    });
    const body = (await res.json()) as { points: { v: number }[] };
    expect(body.points.map((p) => p.v)).toEqual([42]);
  });

  it('says what is wrong with a module that exports no collector, or is missing', async () => {
    const none = await zhub('daemon', '--collector', join(dir, 'nothing.js'), '--device', 'oracle');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/exports nothing that is a collector \(it exports x\)/);
    const missing = await zhub('daemon', '--collector', join(dir, 'nope.js'), '--device', 'oracle');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no collector module at .*nope\.js/);
  });
});
