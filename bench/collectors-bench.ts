// The SNMP family's costs: what one SNMP poll of a device costs the collector (the shipped
// IF-MIB and HOST-RESOURCES templates against a real snmpd), how many devices one daemon
// holds at a 5-minute cycle from that, what pinging 1,000 devices through fping costs, and
// how long a template edit takes to reach daemon processes holding 20,000 bound devices.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  PingCollector,
  SnmpCollector,
  ValueProcessor,
  type DeviceConfig,
} from '../daemons/index.js';
import { builtinTemplates } from '../hub/index.js';
import { silentLogger, type DatasourceConfig } from '../shared/index.js';
import { startHub, TEST_PASSWORD, TEST_USER } from '../test/support/hub-fixture.js';
import { COMMUNITY, startSnmpd } from '../test/support/snmpd.js';
import { forkTs, nextMessage } from './process-pair.js';

export interface SnmpPollResult {
  devices: number;
  polls: number;
  concurrency: number;
  datasources: string[];
  valuesPerPoll: number;
  cpuUsPerPoll: number;
  agentCpuUsPerPoll: number;
  wallMsPerPollP50: number;
  pollsPerSecond: number;
  /** Devices one daemon holds at a 300 s cycle using one core at most. */
  devicesAt300sPerCore: number;
}

/** CPU time (µs) of a process from /proc (user + system, its own threads). */
function procCpuUs(pid: number | 'self'): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / 100) * 1e6;
}

/** CPU (µs) of reaped children (fping runs). */
function childCpuUs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[13]) + Number(fields[14])) / 100) * 1e6;
}

export async function snmpPollBench(polls: number, concurrency: number): Promise<SnmpPollResult> {
  const agent = await startSnmpd();
  try {
    const templates = builtinTemplates().filter((t) =>
      ['snmp-interfaces', 'host-resources'].includes(t.name),
    );
    const sources: DatasourceConfig[] = templates.flatMap((t) => t.datasources);
    const devices = 1_000;
    const device = (i: number): DeviceConfig => ({
      id: `sw-${i}`,
      title: `sw-${i}`,
      address: '127.0.0.1',
      collector: 'localhost',
      properties: {
        zSnmpPort: agent.port,
        zSnmpCommunity: COMMUNITY,
        zSnmpTimeout: 5,
        zSnmpTries: 1,
      },
      datasources: [],
    });
    const collector = new SnmpCollector();
    const values = new ValueProcessor();
    let valueCount = 0;
    const pollOne = async (i: number): Promise<number> => {
      const d = device(i % devices);
      const t0 = performance.now();
      for (const ds of sources) {
        const r = await collector.collect({
          device: d,
          datasource: ds,
          signal: new AbortController().signal,
          log: silentLogger(),
        });
        valueCount += r.values.length;
        values.process(d, ds, r.values, Date.now());
      }
      return performance.now() - t0;
    };
    for (let i = 0; i < 50; i++) await pollOne(i); // warm
    valueCount = 0;
    const walls: number[] = [];
    const cpu0 = process.cpuUsage();
    const agent0 = procCpuUs(agent.child.pid as number);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < polls) walls.push(await pollOne(next++));
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const agentUs = procCpuUs(agent.child.pid as number) - agent0;
    walls.sort((a, b) => a - b);
    const cpuUsPerPoll = (cpu.user + cpu.system) / polls;
    return {
      devices,
      polls,
      concurrency,
      datasources: sources.map((s) => s.name),
      valuesPerPoll: valueCount / polls,
      cpuUsPerPoll,
      agentCpuUsPerPoll: agentUs / polls,
      wallMsPerPollP50: walls[Math.floor(walls.length / 2)] ?? 0,
      pollsPerSecond: polls / elapsed,
      devicesAt300sPerCore: Math.floor(300e6 / cpuUsPerPoll),
    };
  } finally {
    await agent.stop();
  }
}

export interface PingResult {
  devices: number;
  seconds: number;
  fpingRuns: number;
  cpuUsPerDevice: number;
  fpingCpuUsPerDevice: number;
}

/** One cycle of 1,000 devices (127.0.x.y, which answer), gathered as the scheduler spreads them. */
export async function pingBench(devices: number): Promise<PingResult> {
  const collector = new PingCollector();
  const ds = { name: 'ping', type: 'ping', params: { count: 1, timeout: 1 }, datapoints: [] };
  const cpu0 = process.cpuUsage();
  const child0 = childCpuUs();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: devices }, (_, i) =>
      collector.collect({
        device: {
          id: `h${i}`,
          title: '',
          address: `127.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
          collector: 'localhost',
          properties: {},
          datasources: [],
        },
        datasource: ds,
        signal: new AbortController().signal,
        log: silentLogger(),
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    devices,
    seconds,
    fpingRuns: collector.fping.runs,
    cpuUsPerDevice: (cpu.user + cpu.system) / devices,
    fpingCpuUsPerDevice: (childCpuUs() - child0) / devices,
  };
}

export interface TemplatePushResult {
  devices: number;
  daemons: number;
  edits: number;
  /** From the edit's commit to the last daemon holding the new template and its devices rescheduled. */
  p50Ms: number;
  maxMs: number;
}

/**
 * A template bound to `devices` devices of one monitor, `daemons` daemon processes on it;
 * `edits` edits of the template's interval, each timed until every daemon has rescheduled
 * all its devices.
 */
export async function templatePushBench(
  devices: number,
  daemons: number,
  edits: number,
): Promise<TemplatePushResult> {
  const dir = await mkdtemp(join(tmpdir(), 'zhub-bench-tpl-'));
  const hub = await startHub({ dataDir: dir });
  const children: ChildProcess[] = [];
  try {
    const model = hub.zhub.hub.env.model;
    await model.putTemplates(
      { name: 'edge', datasources: [{ name: 'x', type: 'idle', interval: 300 }] },
      'add',
    );
    const batch = 5_000;
    for (let i = 0; i < devices; i += batch)
      await model.putDevices(
        Array.from({ length: Math.min(batch, devices - i) }, (_, k) => ({
          id: `d${i + k}`,
          address: `10.0.${Math.floor((i + k) / 250)}.${(i + k) % 250}`,
          properties: { zDeviceTemplates: ['edge'] },
        })),
        'add',
      );
    for (let n = 0; n < daemons; n++)
      children.push(
        forkTs('./template-daemon.ts', [
          hub.url,
          TEST_USER,
          TEST_PASSWORD,
          `tpl-${n}`,
          String(devices),
        ]),
      );
    await Promise.all(children.map((c) => nextMessage(c, (m) => m.ready, 120_000)));
    const times: number[] = [];
    for (let e = 1; e <= edits; e++) {
      const interval = 300 + e;
      const done = children.map((c) =>
        nextMessage(c, (m) => (m.done === interval ? (m.at as number) : undefined), 30_000),
      );
      const t0 = Date.now();
      await model.editTemplate('edge', { datasources: [{ name: 'x', type: 'idle', interval }] });
      times.push(Math.max(...(await Promise.all(done))) - t0);
      await new Promise((r) => setTimeout(r, 300));
    }
    times.sort((a, b) => a - b);
    return {
      devices,
      daemons,
      edits,
      p50Ms: times[Math.floor(times.length / 2)] ?? 0,
      maxMs: times[times.length - 1] ?? 0,
    };
  } finally {
    for (const c of children) c.kill();
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
}
