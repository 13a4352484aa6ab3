// Worker lanes as an operator runs them: `zhub hub --config` routes a service module of a
// --services folder to a lane; `zhub status --workers` shows the call running in a worker.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliHub, stopCliHub } from '../support/cli.js';

const SERVICES = fileURLToPath(new URL('../fixtures/lanes-services', import.meta.url));

describe('zhub hub with lanes in its config file', () => {
  let hub: Awaited<ReturnType<typeof startCliHub>>;
  let env: Record<string, string>;
  const zhub = (...args: string[]) => runCli([...args, '--hub', hub.url], { env });

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-cli-lanes-'));
    const config = join(dir, 'hub.json');
    await writeFile(
      config,
      JSON.stringify({
        lanes: {
          threads: 1,
          routes: { 'SlowService:*': { lane: 'modelling', deadlineMs: 20_000 } },
        },
      }),
    );
    hub = await startCliHub([
      '--data',
      join(dir, 'hub'),
      '--config',
      config,
      '--services',
      SERVICES,
    ]);
    env = { ZHUB_PASSWORD: /password: (\S+)/.exec(hub.output())?.[1] as string };
  });
  afterAll(async () => {
    await stopCliHub(hub);
  });

  it('runs the routed service in a worker, and zhub status --workers shows it running', async () => {
    const call = zhub('call', 'SlowService', 'slow', '4000');
    let report = '';
    for (const end = Date.now() + 20_000; Date.now() < end;) {
      report = (await zhub('status', '--workers')).stdout;
      if (/SlowService\.slow \(localhost/.test(report)) break;
    }
    expect(report).toMatch(/SlowService\.slow \(localhost, \S+\) for \d+ ms/);
    expect(report).toMatch(/worker lanes: 1 of 1 threads running/);
    expect(report).toMatch(/modelling\s+1\s+0\s+1\s/); // weight 1, none waiting, one running
    const done = await call;
    expect(done.stdout.trim()).toBe('"slept"');
    const json = JSON.parse((await zhub('status', '--workers', '--json')).stdout) as {
      lanes: { name: string; completed: number }[];
    };
    expect(json.lanes.find((l) => l.name === 'modelling')?.completed).toBe(1);
  });

  it('refuses a route to a lane that does not exist, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhub-cli-lanes-bad-'));
    const config = join(dir, 'hub.json');
    await writeFile(config, JSON.stringify({ lanes: { routes: { 'SlowService:*': 'fast' } } }));
    const r = await runCli(['hub', '--data', join(dir, 'hub'), '--config', config, '--port', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/lanes\.routes\.SlowService:\*/);
  });
});
