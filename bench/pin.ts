import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * Pins a process (all its threads) to one CPU with taskset, so that processes of a bench do
 * not take each other's core. Does nothing where taskset or the CPU is missing.
 */
export function pinToCpu(pid: number | undefined, cpu: number): boolean {
  if (pid === undefined || cpu >= cpus().length) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
