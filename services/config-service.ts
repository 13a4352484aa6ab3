import { HubService, type ServiceContext } from '../hub/index.js';
import { readDevicePage } from '../hub/index.js';
import { ConfigPush } from './config-push.js';
import { ConfigContract, ZHubError, type RawJson } from '../shared/index.js';

/**
 * ZenHub's config service, per monitor (arguments checked by ConfigContract): the collector's properties, its devices as a diff
 * since a time, one device, and pushes to listening daemons when the model changes
 * (`updateDeviceConfigs(devices)`, `deleteDevices(ids)`, or `notifyConfigChanged()` when a
 * listener fell too far behind).
 */
export class ConfigService extends HubService {
  // Worker threads import the service from here (see HubService.moduleUrl).
  static override moduleUrl = import.meta.url;
  static override lane = { lane: 'config', idempotent: true } as const;
  static override contract = ConfigContract;
  readonly push: ConfigPush;
  private readonly unsubscribe: () => void;

  constructor(ctx: ServiceContext) {
    super(ctx);
    this.push = new ConfigPush(
      () => this.listeners,
      this.clock,
      this.log,
      this.env.limits,
      (s) => this.env.metrics.pushDuration.observe(s),
    );
    const off = [
      this.env.changes.subscribe(this.monitor, (change) => this.push.add(change)),
      this.env.changes.subscribeTemplates((change) => this.push.addTemplates(change)),
    ];
    this.unsubscribe = () => off.forEach((fn) => fn());
  }

  /** The collector's properties (cycle intervals and whatever the operator set) and generation. */
  async remote_getConfigProperties(): Promise<{
    name: string;
    generation: number;
    properties: Record<string, unknown>;
  }> {
    const c = await this.env.store.model.getCollector(this.monitor);
    if (!c)
      throw new ZHubError(
        'HUB_ERR_NO_SUCH_MONITOR',
        `collector '${this.monitor}' no longer exists`,
      );
    return { name: c.name, generation: c.generation, properties: c.properties };
  }

  /**
   * `{ new, updated, removed, generation, asOf }`: devices of this monitor the daemon does not
   * know, those changed at or after `since` (hub ms; pass the previous answer's `asOf`), and
   * known ids that are gone or moved to another monitor.
   */
  async remote_getDeviceConfigs(since: number, knownDeviceIds: string[]): Promise<unknown> {
    return this.env.store.model.deviceDiff(this.monitor, since, knownDeviceIds);
  }

  /**
   * One page of the paged config pull (what daemons use; a DeviceConfigPage): call with `since` (0 for
   * everything, else the previous pull's `asOf`) and no cursor, then with each answer's
   * `cursor` until it is null. Every device of the monitor is in exactly one page, whole
   * when it changed since `since`, else by id; a device no page named is gone. No page grows
   * with the monitor (DataLimits.pullPage*).
   */
  async remote_getDeviceConfigPage(since: number, cursor: string | null): Promise<RawJson> {
    return readDevicePage(
      this.env.store.model,
      this.monitor,
      since,
      cursor,
      this.env.limits,
      this.clock.now(),
    );
  }

  /**
   * Every monitoring template (TemplateRecord[]): a daemon applies those its devices bind
   * (zDeviceTemplates). Changes are pushed (`updateTemplates`, `deleteTemplates`).
   */
  async remote_getTemplates(): Promise<unknown> {
    return this.env.store.templates.list();
  }

  /** One device of this monitor (run-once mode). */
  async remote_getDeviceConfig(deviceId: string): Promise<unknown> {
    const d = await this.env.store.model.getDevice(deviceId);
    if (!d || d.collector !== this.monitor) {
      throw new ZHubError(
        'HUB_ERR_NOT_FOUND',
        `no device '${deviceId.slice(0, 128)}' on monitor '${this.monitor}'`,
      );
    }
    return d;
  }

  override close(): void {
    this.unsubscribe();
    this.push.close();
  }
}
