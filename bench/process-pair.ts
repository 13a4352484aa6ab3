import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

/**
 * Forks a TypeScript bench script with IPC, with Node options `node` besides. `BENCH_CPU_PROF=DIR`
 * profiles every forked process (`--cpu-prof`; a profile is written when the process exits by
 * itself).
 */
export function forkTs(script: string, args: string[], node: readonly string[] = []): ChildProcess {
  const prof = process.env.BENCH_CPU_PROF;
  return fork(here(script), args, {
    execArgv: [
      '--import',
      'tsx',
      ...node,
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The next IPC message from `child` for which `pick` returns a value; fails after `ms`. */
export function nextMessage<T>(
  child: ChildProcess,
  pick: (m: Record<string, unknown>) => T | undefined,
  ms = 60_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('bench child did not answer in time'));
    }, ms);
    const onMessage = (m: unknown): void => {
      const v = pick(m as Record<string, unknown>);
      if (v !== undefined) {
        cleanup();
        resolve(v);
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`bench child exited with ${code}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export interface CpuUsage {
  user: number;
  system: number;
}

export function serverCpu(server: ChildProcess): Promise<CpuUsage> {
  const p = nextMessage(server, (m) => m.cpu as CpuUsage | undefined);
  server.send('cpu');
  return p;
}
