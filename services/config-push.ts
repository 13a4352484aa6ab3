import type { Clock, Logger, RemoteReference, TimerHandle } from '../shared/index.js';
import { SharedArgs } from '../shared/index.js';
import type { DataLimits } from '../hub/index.js';
import type { Device, ModelChange, TemplateChange } from '../hub/index.js';
import type { TemplateRecord } from '../shared/index.js';

/** Listeners whose first batch is started in one turn of the event loop. */
const LISTENERS_PER_TURN = 8;

interface Job {
  method:
    | 'setPropertyItems'
    | 'updateDeviceConfigs'
    | 'deleteDevices'
    | 'updateTemplates'
    | 'deleteTemplates'
    | 'notifyConfigChanged';
  args: SharedArgs | undefined;
  /** When the flush that made it began (for the push latency). */
  since: number;
}

interface Outbox {
  jobs: Job[];
  running: boolean;
}

/** Counters of one monitor's pushes. */
export interface PushStats {
  flushes: number;
  batchesEncoded: number;
  callsSent: number;
  callsFailed: number;
  /** Listeners that fell too far behind and were told to reload instead. */
  overflows: number;
}

/**
 * Pushes model changes to the listeners of one monitor's ConfigService: devices changed
 * (`updateDeviceConfigs`), gone (`deleteDevices`), and new collector properties
 * (`setPropertyItems`).
 *
 * Changes are coalesced for `pushDelayMs` (an import of 10,000 devices becomes a handful of
 * pushes, and a device changed twice is sent once), split into batches of
 * `pushBatchDevices`, each encoded once for every listener with a turn of the event loop
 * between encodes. Each listener gets its batches in order, one call at a time, so a slow
 * daemon cannot pile up unbounded data in the hub; one that falls `maxPushBacklog` batches
 * behind gets a single `notifyConfigChanged` (reload everything) instead. A failure for one
 * listener never affects another; the daemons' periodic diff pull catches anything missed.
 */
export class ConfigPush {
  readonly stats: PushStats = {
    flushes: 0,
    batchesEncoded: 0,
    callsSent: 0,
    callsFailed: 0,
    overflows: 0,
  };
  private readonly updated = new Map<string, Device>();
  private readonly removed = new Set<string>();
  private readonly templatesUpdated = new Map<string, TemplateRecord>();
  private readonly templatesRemoved = new Set<string>();
  /** The collector's new properties, when they changed since the last flush. */
  private properties: Record<string, unknown> | undefined;
  private readonly outboxes = new Map<RemoteReference, Outbox>();
  private timer: TimerHandle | undefined;
  private closed = false;
  private flushStarted = 0;

  constructor(
    private readonly listeners: () => readonly RemoteReference[],
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly limits: DataLimits,
    /** Told, for every pushed batch a listener acknowledged, how long it took since the flush began. */
    private readonly onPushed?: (seconds: number) => void,
  ) {}

  add(change: ModelChange): void {
    if (this.closed) return;
    if (change.properties) this.properties = change.properties;
    for (const d of change.updated) {
      this.removed.delete(d.id);
      this.updated.set(d.id, d);
    }
    for (const id of change.removed) {
      this.updated.delete(id);
      this.removed.add(id);
    }
    this.schedule();
  }

  /** Templates written or removed: pushed to every listener, before the devices that bind them. */
  addTemplates(change: TemplateChange): void {
    if (this.closed) return;
    for (const t of change.updated) {
      this.templatesRemoved.delete(t.name);
      this.templatesUpdated.set(t.name, t);
    }
    for (const name of change.removed) {
      this.templatesUpdated.delete(name);
      this.templatesRemoved.add(name);
    }
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.limits.pushDelayMs);
  }

  /** Sends what is pending now (also called by the timer). */
  async flush(): Promise<void> {
    const properties = this.properties;
    const templates = [...this.templatesUpdated.values()];
    const templatesGone = [...this.templatesRemoved];
    this.templatesUpdated.clear();
    this.templatesRemoved.clear();
    if (
      this.updated.size === 0 &&
      this.removed.size === 0 &&
      !properties &&
      templates.length === 0 &&
      templatesGone.length === 0
    )
      return;
    this.stats.flushes++;
    this.flushStarted = performance.now();
    const updated = [...this.updated.values()];
    const removed = [...this.removed];
    this.updated.clear();
    this.removed.clear();
    this.properties = undefined;
    if (this.listeners().length === 0) return;
    const n = this.limits.pushBatchDevices;
    const jobs: Job[] = [];
    // Templates first: the devices that follow may bind them.
    if (templates.length > 0) jobs.push(await this.encode('updateTemplates', templates));
    // Properties next: a new cycle interval applies to the devices that follow.
    if (properties) jobs.push(await this.encode('setPropertyItems', properties));
    for (let i = 0; i < removed.length; i += n * 20) {
      jobs.push(await this.encode('deleteDevices', removed.slice(i, i + n * 20)));
    }
    for (let i = 0; i < updated.length; i += n) {
      jobs.push(await this.encode('updateDeviceConfigs', updated.slice(i, i + n)));
    }
    if (templatesGone.length > 0) jobs.push(await this.encode('deleteTemplates', templatesGone));
    // A few listeners per turn: each first send copies a whole batch into a socket.
    let started = 0;
    for (const listener of [...this.listeners()]) {
      this.enqueue(listener, jobs);
      if (++started % LISTENERS_PER_TURN === 0) await new Promise((r) => setImmediate(r));
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.outboxes.clear();
  }

  private async encode(method: Job['method'], items: unknown): Promise<Job> {
    // One encode per batch, then a turn of the event loop, so no push stalls the hub for long.
    const args = new SharedArgs([items]);
    this.stats.batchesEncoded++;
    await new Promise((r) => setImmediate(r));
    return { method, args, since: this.flushStarted };
  }

  private enqueue(listener: RemoteReference, jobs: Job[]): void {
    let box = this.outboxes.get(listener);
    if (!box) this.outboxes.set(listener, (box = { jobs: [], running: false }));
    box.jobs.push(...jobs);
    if (box.jobs.length > this.limits.maxPushBacklog) {
      this.stats.overflows++;
      box.jobs = [{ method: 'notifyConfigChanged', args: undefined, since: performance.now() }];
    }
    if (!box.running) void this.drain(listener, box);
  }

  private async drain(listener: RemoteReference, box: Outbox): Promise<void> {
    box.running = true;
    while (box.jobs.length > 0 && !this.closed) {
      const job = box.jobs.shift() as Job;
      if (listener.isDead) break;
      this.stats.callsSent++;
      try {
        await (job.args
          ? listener.callRemote(job.method, job.args)
          : listener.callRemote(job.method));
        this.onPushed?.((performance.now() - job.since) / 1000);
      } catch (err) {
        this.stats.callsFailed++;
        this.log.warn(
          { err, method: job.method },
          'config push to a listener failed; its next diff pull will catch up',
        );
        if (listener.isDead) break;
      }
    }
    box.running = false;
    if (listener.isDead || box.jobs.length === 0) this.outboxes.delete(listener);
  }
}
