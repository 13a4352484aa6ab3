// Idle memory: the built hub (`node dist/bin/cli.js hub`, what an installed package runs, on
// the embedded store) against a bare fastify + @fastify/websocket server, each its own
// process, RSS read from /proc just after start and after both have sat idle.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

function start(args: string[], ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`did not start: ${out}`)), 30_000);
    const on = (d: Buffer): void => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

/** Median RSS of three samples a second apart, from `atMs` after `since`. */
async function rssAt(child: ChildProcess, since: number, atMs: number): Promise<number> {
  await new Promise((r) => setTimeout(r, Math.max(0, since + atMs - performance.now())));
  const xs: number[] = [];
  for (let i = 0; i < 3; i++) {
    xs.push(rssMb(child.pid as number));
    await new Promise((r) => setTimeout(r, 1000));
  }
  return xs.sort((a, b) => a - b)[1] as number;
}

export interface IdleRss {
  /** Just started: `startedMs` after it listens. */
  started: number;
  /** Idle: `idleMs` after it listens, once V8's memory reducer has had its turn. */
  idle: number;
}

/**
 * The two servers side by side, each sampled `startedMs` and `idleMs` after it listens. A node
 * process that stops allocating gives memory back some seconds later (V8's memory reducer: a
 * few full collections, the young generation shrunk); here the bare server 6-12 s after its
 * start, the hub 12-20 s, so the idle figure is taken after both.
 */
export async function memoryBench(
  startedMs = 5_000,
  idleMs = 30_000,
): Promise<{ bare: IdleRss; hub: IdleRss }> {
  if (!existsSync(join(root, 'dist/bin/cli.js')))
    throw new Error('the memory bench measures the built hub: run npm run build first');
  const data = await mkdtemp(join(tmpdir(), 'zhub-bench-mem-'));
  const procs: ChildProcess[] = [];
  try {
    const sample = async (args: string[], ready: RegExp): Promise<IdleRss> => {
      const child = await start(args, ready);
      procs.push(child);
      const since = performance.now();
      return {
        started: await rssAt(child, since, startedMs),
        idle: await rssAt(child, since, idleMs),
      };
    };
    const [bare, hub] = await Promise.all([
      sample([join(root, 'bench/bare-fastify.mjs')], /listening/),
      sample(
        [
          join(root, 'dist/bin/cli.js'),
          'hub',
          '--port',
          '0',
          '--host',
          '127.0.0.1',
          '--data',
          data,
        ],
        /zhub hub listening/,
      ),
    ]);
    return { bare, hub };
  } finally {
    for (const p of procs) p.kill();
    await rm(data, { recursive: true, force: true });
  }
}
