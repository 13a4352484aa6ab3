import { availableParallelism } from 'node:os';

const FLAG = '--single-threaded-gc';

/**
 * Advice for a hub that may run on one CPU only (taskset, a cpuset of one core), or
 * undefined. V8's garbage collector runs helper threads beside the JavaScript thread; on one
 * core they cannot run beside it, only take turns with it, and in the reconnect-storm bench
 * an established daemon kept about 4 points more of its calls/s with the collector on the
 * main thread (docs/operations.md, "A hub on one core"). The flag is one of node's own: it
 * cannot be set once the hub runs, nor through NODE_OPTIONS, so the hub says so instead.
 */
export function oneCoreAdvice(
  cpus: number = availableParallelism(),
  execArgv: readonly string[] = process.execArgv,
): string | undefined {
  if (cpus > 1 || execArgv.includes(FLAG)) return undefined;
  return `this hub may use one CPU only: start node with ${FLAG} (node ${FLAG} "$(command -v zhub)" hub …), so that the garbage collector does not take turns with the hub on that core (docs/operations.md, "A hub on one core")`;
}
