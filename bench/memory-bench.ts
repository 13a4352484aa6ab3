// Idle memory: the built hub (`node dist/bin/cli.js hub`, what an installed package runs, on
// the embedded store) against a bare fastify + @fastify/websocket server, each its own
// process, RSS read from /proc after both have sat idle.
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

/** Median RSS of three samples a second apart, after `idleMs` of idling. */
async function idleRss(child: ChildProcess, idleMs: number): Promise<number> {
  await new Promise((r) => setTimeout(r, idleMs));
  const xs: number[] = [];
  for (let i = 0; i < 3; i++) {
    xs.push(rssMb(child.pid as number));
    await new Promise((r) => setTimeout(r, 1000));
  }
  return xs.sort((a, b) => a - b)[1] as number;
}

export async function memoryBench(idleMs = 5_000): Promise<{ bareMb: number; hubMb: number }> {
  if (!existsSync(join(root, 'dist/bin/cli.js')))
    throw new Error('the memory bench measures the built hub: run npm run build first');
  const bare = await start([join(root, 'bench/bare-fastify.mjs')], /listening/);
  let bareMb: number;
  try {
    bareMb = await idleRss(bare, idleMs);
  } finally {
    bare.kill();
  }
  const data = await mkdtemp(join(tmpdir(), 'zhub-bench-mem-'));
  const hub = await start(
    [join(root, 'dist/bin/cli.js'), 'hub', '--port', '0', '--host', '127.0.0.1', '--data', data],
    /zhub hub listening/,
  );
  try {
    return { bareMb, hubMb: await idleRss(hub, idleMs) };
  } finally {
    hub.kill();
    await rm(data, { recursive: true, force: true });
  }
}
