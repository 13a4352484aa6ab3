// What a user does: pack zhub, install the tarball into a fresh project outside this
// repository, run a plain-node script that starts a hub with a service of its own and
// attaches a daemon that calls it, and type-check a strict TypeScript consumer against the
// installed declarations. Slow (the install builds the native SQLite module where no prebuilt
// binary can be fetched), so it runs once, in one test file.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHub } from '../../daemons/index.js';
import type { Contract } from '../../shared/index.js';
import { runCli, startCliHub, stopCliHub } from '../support/cli.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/consumer/', import.meta.url));
const MINUTES = 60_000;

describe('the installable package', () => {
  let dir: string;
  let project: string;
  let files: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zhub-package-'));
    project = join(dir, 'consumer');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    files = (info[0]?.files ?? []).map((f) => f.path);
    const tarball = join(dir, (await readdir(dir)).find((f) => f.endsWith('.tgz')) as string);
    await run('mkdir', ['-p', project]);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'typescript@5.9'],
      { cwd: project, maxBuffer: 64 * 1024 * 1024 },
    );
    await copyFile(join(fixtures, 'app.mjs'), join(project, 'app.mjs'));
    await copyFile(join(fixtures, 'consumer.ts.txt'), join(project, 'consumer.ts'));
    await copyFile(join(fixtures, 'tsconfig.json.txt'), join(project, 'tsconfig.json'));
  }, 10 * MINUTES);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('ships the built JavaScript, declarations and docs, and no tests, bench, proof or sources', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/hub/status-page/index.html');
    expect(files).toContain('bin/zhub.js');
    expect(files.filter((f) => /^(test|bench|proof|\.ci)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs from plain Node ESM: a hub, a service of its own, a daemon that calls it', async () => {
    const { stdout } = await run('node', ['app.mjs'], { cwd: project, timeout: MINUTES });
    expect(stdout.trim()).toBe('hello world from localhost');
  });

  it('type-checks a strict consumer (exactOptionalPropertyTypes, noPropertyAccessFromIndexSignature) with no errors', async () => {
    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await run('node', [tsc, '-p', 'tsconfig.json'], {
      cwd: project,
      timeout: 2 * MINUTES,
    }).catch((err: { stdout?: string; code?: number }) => ({
      stdout: err.stdout ?? '',
      code: err.code,
    }));
    expect(r.stdout).toBe('');
  });

  it('runs its command line from the installed package, without TypeScript at run time', async () => {
    const bin = join(project, 'node_modules', '.bin', 'zhub');
    const { stdout } = await run(bin, ['--help'], { cwd: project, timeout: MINUTES });
    expect(stdout).toMatch(/Usage: zhub/);
    const installed = await readdir(join(project, 'node_modules'));
    expect(installed).not.toContain('tsx');
  });

  it('loads a service module that imports its own installed zhub into a hub run from another copy', async () => {
    // The module resolves 'zhub' to the consumer's install; the hub is this checkout's copy.
    const services = join(project, 'services');
    await mkdir(services, { recursive: true });
    await writeFile(
      join(services, 'greet.js'),
      [
        "import { HubService, ZHubError } from 'zhub';",
        'export class GreetService extends HubService {',
        '  remote_greet(name) {',
        "    if (typeof name !== 'string')",
        "      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'greet(name) takes a string', { data: { field: 'name' } });",
        '    return `hello ${name}`;',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const hub = await startCliHub(['--data', join(dir, 'hub-data'), '--services', services]);
    try {
      const password = /password: (\S+)/.exec(hub.output())?.[1] as string;
      const client = await connectHub({
        url: hub.url,
        username: 'admin',
        password,
        waitMs: 10_000,
      });
      try {
        const svc = await client.getService('GreetService');
        expect(await svc.callRemote('greet', 'copies')).toBe('hello copies');
        // The other copy's ZHubError keeps its code and data across the wire.
        await expect(svc.callRemote('greet', 42)).rejects.toMatchObject({
          code: 'HUB_ERR_BAD_ARGUMENT',
          data: { field: 'name' },
        });
      } finally {
        client.close();
      }
    } finally {
      await stopCliHub(hub);
    }
  });

  it('names the real cause when a service module cannot load', async () => {
    const cases: [string, string, RegExp][] = [
      ['syntax', 'export class A {\n  remote_x( {\n}\n', /a\.js:\d+ has a syntax error/],
      ['nothing', 'export const x = 1;\n', /exports nothing that is a service \(it exports x\)/],
    ];
    for (const [name, source, expected] of cases) {
      const folder = join(project, `bad-${name}`);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'a.js'), source);
      const r = await runCli([
        'hub',
        '--port',
        '0',
        '--data',
        join(dir, `data-${name}`),
        '--services',
        folder,
      ]);
      expect(r.code).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(expected);
    }
    // Outside any project that has zhub installed.
    const lone = await mkdtemp(join(tmpdir(), 'zhub-lone-'));
    try {
      await writeFile(join(lone, 'package.json'), '{"type":"module"}');
      await writeFile(
        join(lone, 'a.js'),
        "import { HubService } from 'zhub';\nexport class A extends HubService {}\n",
      );
      const r = await runCli([
        'hub',
        '--port',
        '0',
        '--data',
        join(dir, 'data-lone'),
        '--services',
        lone,
      ]);
      expect(`${r.stdout}${r.stderr}`).toMatch(
        /imports 'zhub', which cannot be found.*npm install zhub/,
      );
    } finally {
      await rm(lone, { recursive: true, force: true });
    }
  });

  it.each(['service', 'collector'] as const)(
    'zhub new %s writes a project whose own build and test pass against the installed package',
    async (kind) => {
      // Inside the consumer project, so that 'zhub' and typescript resolve from its install
      // (an npm install of its own would only fetch the same two packages again).
      const where = join(project, 'scaffolds', kind);
      const bin = join(project, 'node_modules', '.bin', 'zhub');
      const made = await run(bin, ['new', kind, 'disk-usage', '--dir', where], { cwd: project });
      expect(made.stdout).toMatch(/npm install\n\s+npm test/);
      const r = await run('npm', ['test'], { cwd: where, timeout: 3 * MINUTES }).catch(
        (err: { stdout?: string; stderr?: string }) => ({
          stdout: `${err.stdout ?? ''}${err.stderr ?? ''}`,
        }),
      );
      expect(r.stdout).toMatch(/# pass [1-9]/);
      expect(r.stdout).toMatch(/# fail 0/);
      if (kind !== 'service') return;
      // The built service in a hub, called with a typed handle made from the project's contract.
      const hub = await startCliHub([
        '--data',
        join(dir, 'hub-scaffold'),
        '--services',
        join(where, 'dist', 'src', 'services'),
      ]);
      try {
        const password = /password: (\S+)/.exec(hub.output())?.[1] as string;
        const { DiskUsageContract } = (await import(join(where, 'dist', 'src', 'contract.js'))) as {
          DiskUsageContract: Contract;
        };
        const client = await connectHub({
          url: hub.url,
          username: 'admin',
          password,
          waitMs: 10_000,
        });
        try {
          const svc = (await client.getService(DiskUsageContract)) as unknown as {
            record(id: string, v: number): Promise<number>;
            readings(id: string): Promise<number[]>;
          };
          expect(await svc.record('r1', 7)).toBe(1);
          expect(await svc.readings('r1')).toEqual([7]);
        } finally {
          client.close();
        }
      } finally {
        await stopCliHub(hub);
      }
    },
    5 * MINUTES,
  );
});
