import type { Logger, TemplateRecord } from '../shared/index.js';
import { boundTemplates, effectiveDatasources } from '../shared/index.js';
import type { DatasourceConfig, DeviceConfig } from './collector.js';

/**
 * The monitoring templates a collector daemon knows (all of them: the hub pushes every
 * change) and how a device's datasources follow from them: its templates' (zDeviceTemplates,
 * else the collector's), then its own. Each change answers the names that changed, so the
 * daemon reschedules only the devices that bind them.
 */
export class TemplateSet {
  private readonly byName = new Map<string, TemplateRecord>();
  /** Templates named by a device but not known here: warned about once each. */
  private readonly missing = new Set<string>();

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.byName.size;
  }

  get(name: string): TemplateRecord | undefined {
    return this.byName.get(name);
  }

  all(): TemplateRecord[] {
    return [...this.byName.values()];
  }

  /** Templates written (a push): answers their names. */
  update(list: unknown): Set<string> {
    const names = new Set<string>();
    for (const t of list as TemplateRecord[]) {
      if (t === null || typeof t !== 'object' || typeof t.name !== 'string') continue;
      if (!Array.isArray(t.datasources)) continue;
      this.byName.set(t.name, t);
      this.missing.delete(t.name);
      names.add(t.name);
    }
    return names;
  }

  /** Templates removed (a push): answers their names. */
  remove(list: unknown[]): Set<string> {
    const gone = new Set(list.filter((n): n is string => typeof n === 'string'));
    for (const n of gone) this.byName.delete(n);
    return gone;
  }

  /** The whole set (a pull, or the cache): answers the names added, changed or gone. */
  replace(list: TemplateRecord[]): Set<string> {
    const next = new Map(list.map((t) => [t.name, t] as const));
    const changed = new Set<string>();
    for (const [name, t] of this.byName)
      if (next.get(name)?.updatedAt !== t.updatedAt) changed.add(name);
    for (const name of next.keys()) if (!this.byName.has(name)) changed.add(name);
    this.byName.clear();
    for (const [name, t] of next) this.byName.set(name, t);
    this.missing.clear();
    return changed;
  }

  /** Whether `device` binds any of `names`. */
  binds(
    device: DeviceConfig,
    names: ReadonlySet<string>,
    collector: Record<string, unknown>,
  ): boolean {
    return boundTemplates(device, collector).some((n) => names.has(n));
  }

  /** The datasources `device` collects, with `collector` the collector's properties. */
  datasourcesOf(device: DeviceConfig, collector: Record<string, unknown>): DatasourceConfig[] {
    const { datasources, missing } = effectiveDatasources(
      device.datasources,
      boundTemplates(device, collector),
      this.byName,
    );
    for (const name of missing) {
      if (this.missing.has(name)) continue;
      this.missing.add(name);
      this.log.warn(
        { template: name, device: device.id },
        'a device binds a template this daemon does not have',
      );
    }
    return datasources;
  }
}
