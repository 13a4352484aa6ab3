import type { z } from 'zod';
import {
  boundTemplatesSchema,
  templateInputSchema,
  templatePatchSchema,
  TEMPLATES_PROPERTY,
  ZHubError,
  type TemplateRecord,
} from '../../shared/index.js';
import type { Store } from '../store/store.js';
import type { ModelChanges } from './model-changes.js';
import {
  collectorInputSchema,
  describeIssues,
  deviceInputSchema,
  devicePatchSchema,
  type Collector,
  type Device,
  type DeviceInput,
  type ModelChange,
} from './model-schemas.js';

/** Devices validated between two turns of the event loop. */
const VALIDATE_SLICE = 500;

/** Validates `value` against `schema`; a failure names every offending field (HUB_ERR_BAD_ARGUMENT). */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = '',
): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new ZHubError('HUB_ERR_BAD_ARGUMENT', describeIssues(r.error, prefix), {
      data: { fields: r.error.issues.map((i) => `${prefix}${i.path.join('.')}`) },
    });
  }
  return r.data;
}

/**
 * The model as operators change it (HTTP API, command line): validates input, commits it in
 * the store, then announces the changes so listening collectors get pushed.
 */
export class DeviceModel {
  constructor(
    private readonly store: Store,
    private readonly changes: ModelChanges,
  ) {}

  async collectors(): Promise<Collector[]> {
    return this.store.model.listCollectors();
  }

  /**
   * Adds a collector or merges properties into one's. A change of properties reaches the
   * collector's listening daemons (`setPropertyItems`) like a device change; a merge that
   * changes nothing is not announced.
   */
  async putCollector(input: unknown): Promise<{ collector: Collector; created: boolean }> {
    const c = parseOrThrow(collectorInputSchema, input);
    await this.checkBindings([c.properties], 'properties.');
    const r = await this.store.model.putCollector(c.name, c.properties);
    if (r.changed && !r.created) {
      const { name, generation, properties } = r.collector;
      this.commit([{ collector: name, generation, updated: [], removed: [], properties }]);
    }
    return { collector: r.collector, created: r.created };
  }

  /** As putCollector, for an existing collector only (HUB_ERR_NOT_FOUND otherwise). */
  async editCollector(name: string, properties: unknown): Promise<Collector> {
    if (!(await this.store.model.getCollector(name)))
      throw new ZHubError('HUB_ERR_NOT_FOUND', `no collector '${name}'`);
    return (await this.putCollector({ name, properties })).collector;
  }

  async removeCollector(name: string): Promise<void> {
    if (!(await this.store.model.removeCollector(name)))
      throw new ZHubError('HUB_ERR_NOT_FOUND', `no collector '${name}'`);
  }

  /**
   * Adds (or with `upsert`, replaces) devices; all or nothing. Each invalid one is named by its
   * index. Validation runs in slices with a turn of the event loop between them, so a large
   * import does not hold up daemons; only the commit itself is one uninterrupted transaction.
   */
  async putDevices(input: unknown, mode: 'add' | 'upsert'): Promise<Device[]> {
    if (!Array.isArray(input))
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'expected an array of devices');
    const devices: DeviceInput[] = [];
    for (let i = 0; i < input.length; i++) {
      devices.push(parseOrThrow(deviceInputSchema, input[i], input.length > 1 ? `[${i}].` : ''));
      if (i % VALIDATE_SLICE === VALIDATE_SLICE - 1) await new Promise((r) => setImmediate(r));
    }
    await this.checkBindings(
      devices.map((d) => d.properties ?? {}),
      (i) => (devices.length > 1 ? `[${i}].properties.` : 'properties.'),
    );
    return this.commit(await this.store.model.putDevices(devices, mode)).flatMap((c) => c.updated);
  }

  async editDevice(id: string, patch: unknown): Promise<Device> {
    const p = parseOrThrow(devicePatchSchema, patch);
    if (p.properties) await this.checkBindings([p.properties], 'properties.');
    this.commit(await this.store.model.putDevices([{ id, patch: p }], 'edit'));
    return (await this.store.model.getDevice(id)) as Device;
  }

  async removeDevices(ids: string[]): Promise<number> {
    return this.commit(await this.store.model.removeDevices(ids)).reduce(
      (n, c) => n + c.removed.length,
      0,
    );
  }

  // ---- templates ------------------------------------------------------------------------------

  async templates(): Promise<TemplateRecord[]> {
    return this.store.templates.list();
  }

  async template(name: string): Promise<TemplateRecord> {
    const t = await this.store.templates.get(name);
    if (!t) throw new ZHubError('HUB_ERR_NOT_FOUND', `no template '${name}'`);
    return t;
  }

  /**
   * Adds (or with `upsert`, replaces) templates, all or nothing; each invalid one is named
   * by its index. A template written reaches every collector daemon (batched with the other
   * pushes); daemons apply it to the devices that bind it.
   */
  async putTemplates(input: unknown, mode: 'add' | 'upsert'): Promise<TemplateRecord[]> {
    const list: unknown[] = Array.isArray(input) ? input : [input];
    const items = list.map((t, i) =>
      parseOrThrow(templateInputSchema, t, list.length > 1 ? `[${i}].` : ''),
    );
    const names = new Set<string>();
    for (const t of items) {
      if (names.has(t.name))
        throw new ZHubError('HUB_ERR_BAD_ARGUMENT', `template '${t.name}' is given twice`);
      names.add(t.name);
    }
    const written = await this.store.templates.put(items, mode);
    this.changes.publishTemplates({ updated: written, removed: [] });
    return written;
  }

  async editTemplate(name: string, patch: unknown): Promise<TemplateRecord> {
    const p = parseOrThrow(templatePatchSchema, patch);
    const written = await this.store.templates.put([{ name, patch: p }], 'edit');
    this.changes.publishTemplates({ updated: written, removed: [] });
    return written[0] ?? (await this.template(name));
  }

  /** Refuses (HUB_ERR_CONFLICT) while a device or collector binds it. */
  async removeTemplate(name: string): Promise<void> {
    if (!(await this.store.templates.remove(name)))
      throw new ZHubError('HUB_ERR_NOT_FOUND', `no template '${name}'`);
    this.changes.publishTemplates({ updated: [], removed: [name] });
  }

  /**
   * zDeviceTemplates, where set, must be a list of names of templates that exist (a typo
   * would otherwise silently collect nothing).
   */
  private async checkBindings(
    props: readonly Record<string, unknown>[],
    prefix: string | ((i: number) => string),
  ): Promise<void> {
    let known: Set<string> | undefined;
    for (let i = 0; i < props.length; i++) {
      const value = props[i]?.[TEMPLATES_PROPERTY];
      if (value === undefined) continue;
      const at = `${typeof prefix === 'string' ? prefix : prefix(i)}${TEMPLATES_PROPERTY}`;
      const names = parseOrThrow(boundTemplatesSchema, value, `${at}.`);
      known ??= new Set((await this.store.templates.list()).map((t) => t.name));
      const unknown = names.filter((n) => !known?.has(n));
      if (unknown.length > 0)
        throw new ZHubError(
          'HUB_ERR_BAD_ARGUMENT',
          `${at}: no template ${unknown.map((n) => `'${n}'`).join(', ')} (zhub template list shows them)`,
          { data: { fields: [at] } },
        );
    }
  }

  private commit(changes: ModelChange[]): ModelChange[] {
    this.changes.publish(changes);
    return changes;
  }
}
