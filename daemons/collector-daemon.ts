// ZenHub's collector daemon, near 500 lines: the paged config pull (with resume and
// sweep), pushed changes and the schedule act on the same device table and read best together.
// Delivery is in delivery.ts, scheduling in scheduler.ts, values in value-processor.ts.
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { DeviceConfigPage, TemplateRecord, TimerHandle } from '../shared/index.js';
import {
  ConfigContract,
  DEFAULT_COLLECTOR_PROPERTIES,
  DEFAULT_DAEMON_LIMITS,
  deferredList,
  FirstError,
  TEMPLATES_PROPERTY,
  ZHubError,
} from '../shared/index.js';
import type { Collector, DatasourceConfig, DeviceConfig } from './collector.js';
import { readConfigCache, writeConfigCache } from './config-cache.js';
import { HubDaemon, type HubDaemonOptions } from './hub-daemon.js';
import { Scheduler } from './scheduler.js';
import { TemplateSet } from './template-set.js';
import { ValueProcessor } from './value-processor.js';

export interface CollectorDaemonOptions extends Omit<HubDaemonOptions, 'type'> {
  /** The plug-ins; the daemon's type is the first one's unless `type` is given. */
  collectors: Collector[];
  type?: string;
  /** Tasks running at once (default 500). */
  maxConcurrent?: number;
}

/** A paged pull in progress: where it is and which devices its pages named. */
class ConfigPull {
  cursor: string | null = null;
  readonly seen = new Set<string>();
  changed = 0;
  unchangedCount = 0;
  unknown = 0;
  pages = 0;
  constructor(readonly since: number) {}
}

// The collector's defaults, as the hub fills them in (one definition for both sides).
const DEFAULT_CYCLE_S = DEFAULT_COLLECTOR_PROPERTIES.cycleInterval;
const DEFAULT_CONFIG_CYCLE_S = DEFAULT_COLLECTOR_PROPERTIES.configCycleInterval;

/**
 * ZenHub's collector daemon: pulls its monitor's configuration (properties and the device
 * diff, fanned out with deferredList) at start and every config cycle, applies pushed changes
 * as they come, and collects every device's datasources of its types on a schedule: one task
 * per device and interval, spread over the interval, at most `maxConcurrent` at once, each
 * with a timeout. Values go through thresholds and counter rates into the spool.
 */
export class CollectorDaemon extends HubDaemon {
  readonly scheduler: Scheduler;
  readonly devices = new Map<string, DeviceConfig>();
  /** The monitoring templates (all of them: the hub pushes every change). */
  readonly templates: TemplateSet;
  private readonly plugins = new Map<string, Collector>();
  private readonly values = new ValueProcessor();
  private readonly cachePath: string;
  private asOf = 0;
  /** The collector generation of the last configuration pulled. */
  private generation = 0;
  private configTimer: TimerHandle | undefined;
  private reloadTimer: TimerHandle | undefined;
  private cacheTimer: TimerHandle | undefined;
  private cacheWrite: Promise<void> = Promise.resolve();
  private readonly deviceTasks = new Map<string, Set<string>>();
  /** Devices a reachability check found down: their other datasources are not collected. */
  private readonly down = new Set<string>();
  private suppressed = 0;
  private devicesChanged = 0;
  /** The pull in progress, kept across a disconnect so that it resumes. */
  private pull: ConfigPull | undefined;
  private pulling: Promise<void> | undefined;
  private pullAgain = false;

  constructor(opts: CollectorDaemonOptions) {
    const type = opts.type ?? opts.collectors[0]?.type ?? 'collector';
    super({ ...opts, type, services: ['ConfigService', ...(opts.services ?? [])] });
    for (const c of opts.collectors) this.plugins.set(c.type, c);
    this.templates = new TemplateSet(this.log);
    this.cachePath = join(opts.dataDir, 'config-cache.json');
    this.scheduler = new Scheduler({
      clock: this.clock,
      log: this.log,
      maxConcurrent: opts.maxConcurrent ?? DEFAULT_DAEMON_LIMITS.maxConcurrent,
      ...(opts.random ? { random: opts.random } : {}),
      onMissed: (id) =>
        this.sendEvent({
          ...this.missedEvent(id),
          severity: 3,
          summary: `collection task ${id} is still running when its next run is due`,
        }),
      onRecovered: (id) =>
        this.sendEvent({
          ...this.missedEvent(id),
          severity: 0,
          summary: `collection task ${id} runs on time again`,
        }),
    });
  }

  /** Loads the cached configuration (collection starts from it at once) and connects. */
  async startCollecting(): Promise<void> {
    // Devices are scheduled once the templates (in the header, read first) are known.
    const read: DeviceConfig[] = [];
    const cached = await readConfigCache(this.cachePath, (d) => read.push(d));
    this.templates.replace(cached?.templates ?? []);
    for (const d of read) this.upsertDevice(d);
    if (cached) {
      this.log.info(
        { devices: cached.devices },
        'collecting from the cached configuration until the hub answers',
      );
      this.asOf = cached.asOf;
      this.applyProperties(cached.properties);
    }
    this.start();
  }

  /**
   * Pulls the configuration now: the properties and, page by page, the devices changed since
   * the last complete pull (all of them the first time). Pages are applied as they arrive;
   * devices no page named are removed once the last page is in. A pull cut off by a
   * disconnect resumes where it stopped on the next connect, then pulls once more for what
   * changed meanwhile. Calls while a pull runs are folded into one more pull after it.
   */
  pullConfig(): Promise<void> {
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    this.pulling = (async () => {
      do {
        this.pullAgain = false;
        await this.pullOnce();
      } while (this.pullAgain);
    })().finally(() => (this.pulling = undefined));
    return this.pulling;
  }

  private async pullOnce(): Promise<void> {
    const config = this.service(ConfigContract);
    const resumed = this.pull !== undefined;
    const pull = (this.pull ??= new ConfigPull(this.asOf));
    const page = (cursor: string | null): Promise<DeviceConfigPage> =>
      config.getDeviceConfigPage(pull.since, cursor);
    try {
      // The start-up requests fanned out: the properties, the templates and the first page.
      const entries = await deferredList<unknown>(
        [config.getConfigProperties(), config.getTemplates(), page(pull.cursor)],
        {
          fireOnOneErrback: true,
          consumeErrors: true,
        },
      ).catch((err: unknown) => {
        throw err instanceof FirstError ? err.subFailure.value : err;
      });
      this.applyProperties((entries[0]?.[1] as { properties: Record<string, unknown> }).properties);
      const templates = entries[1]?.[1];
      if (Array.isArray(templates))
        this.rebind(this.templates.replace(templates as TemplateRecord[]));
      let next = entries[2]?.[1] as DeviceConfigPage;
      for (;;) {
        // The next page is asked for before this one is applied: the hub reads it meanwhile.
        const following = next.cursor === null ? undefined : page(next.cursor);
        following?.catch(() => undefined); // awaited below; a failure is seen there
        this.applyPage(pull, next);
        if (!following) break;
        next = await following;
      }
      this.pull = undefined;
      let removed = 0;
      for (const id of [...this.devices.keys()]) {
        if (!pull.seen.has(id)) {
          this.removeDevice(id);
          removed++;
        }
      }
      // The hub took its time as the pull began: a change during the pull is caught next time.
      this.asOf = next.asOf;
      this.generation = next.generation;
      if (pull.unknown > 0) {
        // Named as unchanged but not held here (a cache older than its time): fetch them whole.
        this.log.warn(
          { devices: pull.unknown },
          'pull named devices this daemon lacks; pulling all',
        );
        this.asOf = 0;
        this.pullAgain = true;
      } else if (resumed) this.pullAgain = true; // what changed while the pull was cut off
      this.saveCacheSoon();
      this.log.info(
        {
          changed: pull.changed,
          unchanged: pull.unchangedCount,
          removed,
          pages: pull.pages,
          devices: this.devices.size,
          generation: next.generation,
        },
        'configuration pulled',
      );
    } catch (err) {
      // A cursor the hub does not take (another hub version): start over next time.
      if (err instanceof ZHubError && err.code === 'HUB_ERR_BAD_ARGUMENT') this.pull = undefined;
      throw err;
    }
  }

  private applyPage(pull: ConfigPull, page: DeviceConfigPage): void {
    for (const d of page.devices) {
      pull.seen.add(d.id);
      this.upsertDevice(d);
    }
    for (const id of page.unchanged) {
      pull.seen.add(id);
      if (!this.devices.has(id)) pull.unknown++;
    }
    pull.changed += page.devices.length;
    pull.unchangedCount += page.unchanged.length;
    pull.pages++;
    pull.cursor = page.cursor;
  }

  /**
   * Run-once mode: fetches one device, runs its tasks once, waits for the spool to empty;
   * answers whether every task and the delivery worked.
   */
  async runOnce(deviceId: string, timeoutMs = 60_000): Promise<boolean> {
    this.start();
    await this.whenReady(timeoutMs);
    const config = this.service(ConfigContract);
    const [device, templates] = await Promise.all([
      config.getDeviceConfig(deviceId),
      config.getTemplates(),
    ]);
    this.templates.replace(templates);
    let ok = true;
    for (const [interval, sources] of this.groups(device)) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new Error('timed out')), interval * 900);
      try {
        ok = (await this.runTask(device, sources, abort.signal)) && ok;
      } finally {
        clearTimeout(timer);
      }
    }
    return (await this.drain(timeoutMs)) && ok;
  }

  override async stop(): Promise<void> {
    for (const t of [this.configTimer, this.reloadTimer])
      if (t !== undefined) this.clock.clearTimeout(t);
    this.scheduler.close();
    if (this.cacheTimer !== undefined) {
      // A change not yet cached: save it now, so a restart starts from it.
      this.clock.clearTimeout(this.cacheTimer);
      this.cacheTimer = undefined;
      this.saveCache();
    }
    await this.cacheWrite;
    await super.stop();
  }

  protected override figures(): Record<string, number> {
    const [running, queued, tasks] = this.scheduler.status();
    return {
      ...super.figures(),
      devices: this.devices.size,
      tasks,
      tasksRunning: running,
      tasksQueued: queued,
      missedRuns: this.scheduler.stats.missed,
      generation: this.generation,
      devicesDown: this.down.size,
      suppressedRuns: this.suppressed,
    };
  }

  // ---- pushed by the hub -----------------------------------------------------------------------

  override remote_updateDeviceConfigs(configs: unknown): void {
    if (!Array.isArray(configs))
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'updateDeviceConfigs takes an array of devices');
    for (const d of configs as DeviceConfig[]) {
      if (d.collector === this.monitor) {
        this.upsertDevice(d);
        // A pull in progress must not sweep it away for lack of a page naming it.
        this.pull?.seen.add(d.id);
      } else this.removeDevice(d.id);
    }
    this.saveCacheSoon();
  }

  override remote_deleteDevices(ids: unknown): void {
    if (!Array.isArray(ids))
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'deleteDevices takes an array of ids');
    for (const id of ids) if (typeof id === 'string') this.removeDevice(id);
    this.saveCacheSoon();
  }

  override remote_updateTemplates(templates: unknown): void {
    if (!Array.isArray(templates))
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'updateTemplates takes an array of templates');
    this.rebind(this.templates.update(templates));
    this.saveCacheSoon();
  }

  override remote_deleteTemplates(names: unknown): void {
    if (!Array.isArray(names))
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'deleteTemplates takes an array of names');
    this.rebind(this.templates.remove(names));
    this.saveCacheSoon();
  }

  /** The datasources `device` collects: its templates' (zDeviceTemplates), then its own. */
  datasourcesOf(device: DeviceConfig): DatasourceConfig[] {
    return this.templates.datasourcesOf(device, this.properties);
  }

  /** Reschedules the devices that bind any of `names` (their datasources changed). */
  private rebind(names: ReadonlySet<string>): void {
    if (names.size === 0) return;
    for (const d of this.devices.values())
      if (this.templates.binds(d, names, this.properties)) this.upsertDevice(d);
  }

  /**
   * A reload, coalesced: many notices within a second cause one pull. A pull always names
   * every device of the monitor, so one since the last pull reconciles everything.
   */
  override remote_notifyConfigChanged(): void {
    if (this.reloadTimer !== undefined) return;
    this.reloadTimer = this.clock.setTimeout(() => {
      this.reloadTimer = undefined;
      this.pullConfig().catch((err: unknown) =>
        this.log.warn({ err }, 'reload failed; the next config cycle retries'),
      );
    }, 1_000);
  }

  // ---- internals -------------------------------------------------------------------------------

  protected override async onReady(): Promise<void> {
    try {
      await this.pullConfig();
    } catch (err) {
      this.log.warn({ err }, 'configuration pull failed; collecting from what is known');
    }
    this.scheduleConfigCycle();
  }

  protected override applyProperties(props: Record<string, unknown>): void {
    const before = this.cycleSeconds();
    const configBefore = this.properties.configCycleInterval;
    const templatesBefore = this.properties[TEMPLATES_PROPERTY];
    super.applyProperties(props);
    // A new cycle interval (or default templates) reschedules the tasks (keeping their next
    // runs where possible).
    if (
      this.cycleSeconds() !== before ||
      !isDeepStrictEqual(templatesBefore, this.properties[TEMPLATES_PROPERTY])
    )
      for (const d of this.devices.values()) this.upsertDevice(d);
    if (this.configTimer !== undefined && this.properties.configCycleInterval !== configBefore)
      this.scheduleConfigCycle();
  }

  private cycleSeconds(): number {
    const v = Number(this.properties.cycleInterval);
    return Number.isFinite(v) && v > 0 ? v : DEFAULT_CYCLE_S;
  }

  private scheduleConfigCycle(): void {
    if (this.configTimer !== undefined) this.clock.clearTimeout(this.configTimer);
    const s = Number(this.properties.configCycleInterval);
    const every = (Number.isFinite(s) && s > 0 ? s : DEFAULT_CONFIG_CYCLE_S) * 1000;
    this.configTimer = this.clock.setTimeout(() => {
      this.configTimer = undefined;
      this.pullConfig()
        .catch((err: unknown) => this.log.warn({ err }, 'config cycle pull failed'))
        .finally(() => this.scheduleConfigCycle());
    }, every);
  }

  /** Collections skipped because their device was down (ping-down suppression). */
  get suppressedRuns(): number {
    return this.suppressed;
  }

  /** Whether a reachability check (ping) last found this device down. */
  isDown(deviceId: string): boolean {
    return this.down.has(deviceId);
  }

  /**
   * Datasources this daemon handles, grouped by interval (seconds); in each group the
   * reachability checks come first, so a device found down is not polled in the same run.
   */
  private groups(device: DeviceConfig): Map<number, DatasourceConfig[]> {
    const groups = new Map<number, DatasourceConfig[]>();
    const reach = (ds: DatasourceConfig): number =>
      this.plugins.get(ds.type)?.reachability ? 0 : 1;
    for (const ds of this.datasourcesOf(device).sort((a, b) => reach(a) - reach(b))) {
      if (!this.plugins.has(ds.type)) continue;
      const interval = ds.interval ?? this.cycleSeconds();
      let g = groups.get(interval);
      if (!g) groups.set(interval, (g = []));
      g.push(ds);
    }
    return groups;
  }

  /** Moves on every device added, changed or removed (for indexes over `devices`). */
  get devicesVersion(): number {
    return this.devicesChanged;
  }

  private upsertDevice(device: DeviceConfig): void {
    this.devicesChanged++;
    this.devices.set(device.id, device);
    const ids = new Set<string>();
    let checksReach = false;
    for (const [interval, sources] of this.groups(device)) {
      const id = `${device.id}@${interval}s`;
      ids.add(id);
      checksReach ||= this.plugins.get(sources[0]?.type ?? '')?.reachability === true;
      this.scheduler.upsert({
        id,
        intervalMs: interval * 1000,
        run: async (signal) => {
          await this.runTask(this.devices.get(device.id) ?? device, sources, signal);
        },
      });
    }
    for (const old of this.deviceTasks.get(device.id) ?? [])
      if (!ids.has(old)) this.scheduler.remove(old);
    this.deviceTasks.set(device.id, ids);
    // Nothing checks it any more (its ping datasource was removed): it is down no longer.
    if (!checksReach) this.down.delete(device.id);
  }

  private removeDevice(id: string): void {
    this.devicesChanged++;
    for (const t of this.deviceTasks.get(id) ?? []) this.scheduler.remove(t);
    this.deviceTasks.delete(id);
    this.devices.delete(id);
    this.down.delete(id);
    this.values.forget(id);
  }

  /** Collects the datasources of one task; answers whether all of them worked. */
  private async runTask(
    device: DeviceConfig,
    sources: DatasourceConfig[],
    signal: AbortSignal,
  ): Promise<boolean> {
    let ok = true;
    for (const ds of sources) {
      if (signal.aborted) return false;
      const plugin = this.plugins.get(ds.type);
      if (!plugin) continue;
      if (!plugin.reachability && this.down.has(device.id)) {
        this.suppressed++;
        continue;
      }
      try {
        // Samples carry the time collection started: rates then follow the schedule's grid.
        const started = this.clock.now();
        const result = await plugin.collect({ device, datasource: ds, signal, log: this.log });
        const { samples, events } = this.values.process(device, ds, result.values, started);
        this.writeMetrics(samples);
        for (const e of [...(result.events ?? []), ...events]) this.sendEvent(e);
        if (result.deviceUp !== undefined) this.setReachable(device.id, result.deviceUp);
      } catch (err) {
        ok = false;
        this.log.warn({ err, device: device.id, datasource: ds.name }, 'collection failed');
      }
    }
    return ok;
  }

  private setReachable(id: string, up: boolean): void {
    if (up === !this.down.has(id)) return;
    if (up) this.down.delete(id);
    else this.down.add(id);
    this.log.info(
      { device: id },
      up
        ? 'device answers again: its tasks resume'
        : 'device down: its other tasks pause until it answers',
    );
  }

  private missedEvent(taskId: string): {
    device: string;
    component: string;
    eventClass: string;
    eventKey: string;
  } {
    return {
      device: taskId.split('@')[0] as string,
      component: this.name,
      eventClass: '/Status/Collector',
      eventKey: `missed:${taskId}`,
    };
  }

  private saveCacheSoon(): void {
    if (this.cacheTimer !== undefined) return;
    this.cacheTimer = this.clock.setTimeout(() => {
      this.cacheTimer = undefined;
      this.saveCache();
    }, 1_000);
  }

  /** Writes the cache after any write in progress (writes never overlap). */
  private saveCache(): void {
    const snapshot = {
      properties: this.properties,
      devices: [...this.devices.values()],
      asOf: this.asOf,
      templates: this.templates.all(),
    };
    this.cacheWrite = this.cacheWrite
      .then(() => writeConfigCache(this.cachePath, snapshot))
      .catch((err: unknown) => this.log.warn({ err }, 'could not write the configuration cache'));
  }
}
