import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { CollectContext, CollectResult, Collector } from '../collector.js';

const PSEUDO_FS = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'securityfs',
  'pstore',
  'bpf',
  'tracefs',
  'debugfs',
  'mqueue',
  'hugetlbfs',
  'configfs',
  'fusectl',
  'autofs',
  'binfmt_misc',
  'nsfs',
  'rpc_pipefs',
  'overlay',
  'squashfs',
  'tmpfs',
]);

/**
 * `host`: the machine the daemon runs on. Datapoints `cpu` (% busy since the last run),
 * `load1`, `load5`, `load15`, `memUsed` (%), `memFree` (bytes), `diskUsed` (% per mount),
 * and `netIn` / `netOut` per interface as byte counters (declare them `counter` to get rates).
 */
export class HostCollector implements Collector {
  readonly type = 'host';
  private lastCpu: { idle: number; total: number } | undefined;

  async collect(_ctx: CollectContext): Promise<CollectResult> {
    const values: CollectResult['values'] = [];
    const cpu = this.cpuBusy();
    if (cpu !== undefined) values.push({ datapoint: 'cpu', value: cpu });
    const [l1, l5, l15] = loadavg() as [number, number, number];
    values.push(
      { datapoint: 'load1', value: l1 },
      { datapoint: 'load5', value: l5 },
      { datapoint: 'load15', value: l15 },
    );
    const total = totalmem();
    const free = freemem();
    values.push(
      { datapoint: 'memUsed', value: Math.round(((total - free) / total) * 10000) / 100 },
      { datapoint: 'memFree', value: free },
    );
    for (const mount of await mounts()) {
      try {
        const s = await statfs(mount);
        if (s.blocks > 0)
          values.push({
            datapoint: 'diskUsed',
            component: mount,
            value: Math.round(((s.blocks - s.bfree) / s.blocks) * 10000) / 100,
          });
      } catch {
        // a mount that went away or is not readable: skipped
      }
    }
    for (const [iface, rx, tx] of await netDev()) {
      values.push(
        { datapoint: 'netIn', component: iface, value: rx },
        { datapoint: 'netOut', component: iface, value: tx },
      );
    }
    return { values };
  }

  private cpuBusy(): number | undefined {
    let idle = 0;
    let total = 0;
    for (const c of cpus()) {
      idle += c.times.idle;
      total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
    }
    const last = this.lastCpu;
    this.lastCpu = { idle, total };
    if (!last || total <= last.total) return undefined;
    return Math.round((1 - (idle - last.idle) / (total - last.total)) * 10000) / 100;
  }
}

async function mounts(): Promise<string[]> {
  try {
    const text = await readFile('/proc/mounts', 'utf8');
    const seen = new Set<string>();
    for (const line of text.split('\n')) {
      const [, mount, fsType] = line.split(' ');
      if (
        mount &&
        fsType &&
        !PSEUDO_FS.has(fsType) &&
        !mount.startsWith('/proc') &&
        !mount.startsWith('/sys')
      )
        seen.add(mount);
    }
    return [...seen].slice(0, 50);
  } catch {
    return ['/'];
  }
}

async function netDev(): Promise<[string, number, number][]> {
  try {
    const text = await readFile('/proc/net/dev', 'utf8');
    return text
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(/[:\s]+/))
      .filter((f) => f.length > 9 && f[0] !== 'lo')
      .map((f) => [f[0] as string, Number(f[1]), Number(f[9])]);
  } catch {
    return [];
  }
}
