import { z } from 'zod';

/**
 * The shapes of the device model, checked at every entrance (HTTP API, import files, RPC), and
 * the device configuration collectors receive: one definition for the hub and the daemons.
 * Inferred types are the model's types, so the checks and the code cannot drift apart.
 */
export const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$/;
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const properties = z.record(z.string().max(128), z.unknown()).default({});

export const severitySchema = z.number().int().min(0).max(5);

export const datapointSchema = z.object({
  name: z.string().regex(NAME, 'datapoint names are letters, digits, _ . -'),
  /** `counter` values become rates on the collector. */
  type: z.enum(['gauge', 'counter']).default('gauge'),
  threshold: z
    .object({
      min: z.number().optional(),
      max: z.number().optional(),
      severity: severitySchema.default(3),
    })
    .refine((t) => t.min !== undefined || t.max !== undefined, 'a threshold needs min or max')
    .optional(),
});

export const datasourceSchema = z.object({
  name: z.string().regex(NAME, 'datasource names are letters, digits, _ . -'),
  type: z.string().regex(NAME, 'datasource types are letters, digits, _ . -'),
  /** Seconds between runs; default: the collector's cycle interval. */
  interval: z.number().int().min(1).max(86_400).optional(),
  params: properties,
  datapoints: z.array(datapointSchema).max(1000).default([]),
});

export const deviceInputSchema = z.object({
  id: z
    .string()
    .regex(
      ID,
      'device ids are 1-128 letters, digits, _ . : @ / - and start with a letter or digit',
    ),
  title: z.string().max(256).optional(),
  address: z.string().min(1).max(256),
  collector: z.string().regex(NAME).default('localhost'),
  properties,
  datasources: z.array(datasourceSchema).max(200).default([]),
});

/** A partial edit: every field but the id optional. */
export const devicePatchSchema = deviceInputSchema.partial().omit({ id: true });

export const collectorInputSchema = z.object({
  name: z.string().regex(NAME, 'collector names are 1-64 letters, digits, _ . -'),
  properties,
});

/**
 * A monitoring template: a named set of datasources (with their datapoints and thresholds)
 * that many devices bind, defined once. A device binds templates through its
 * `zDeviceTemplates` property (or its collector's, as a default for every device of the
 * monitor); its own datasources come after them and replace a template's of the same name.
 */
export const templateInputSchema = z.object({
  name: z.string().regex(NAME, 'template names are 1-64 letters, digits, _ . -'),
  description: z.string().max(1024).default(''),
  datasources: z.array(datasourceSchema).max(200).default([]),
});

/** A partial edit of a template: description and datasources optional. */
export const templatePatchSchema = templateInputSchema.partial().omit({ name: true });

/** The property that binds templates to a device (or to every device of a collector). */
export const TEMPLATES_PROPERTY = 'zDeviceTemplates';

/** At most this many templates bound to one device. */
export const MAX_BOUND_TEMPLATES = 50;

export const boundTemplatesSchema = z
  .array(z.string().regex(NAME, 'template names are 1-64 letters, digits, _ . -'))
  .max(MAX_BOUND_TEMPLATES);

/** A template as stored and handed to collector daemons. */
export interface TemplateRecord {
  name: string;
  description: string;
  datasources: z.infer<typeof datasourceSchema>[];
  /** Hub time (ms) of the last change. */
  updatedAt: number;
}

export type TemplateInput = z.input<typeof templateInputSchema>;
export type TemplatePatch = z.input<typeof templatePatchSchema>;

/**
 * The templates a device binds: its own `zDeviceTemplates`, else its collector's; names only
 * (an entry that is not a string is ignored here and refused where the model is changed).
 */
export function boundTemplates(
  device: { properties: Record<string, unknown> },
  collectorProperties: Record<string, unknown> = {},
): string[] {
  const own = device.properties[TEMPLATES_PROPERTY];
  const list = own !== undefined ? own : collectorProperties[TEMPLATES_PROPERTY];
  return Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string') : [];
}

/**
 * What a device collects: the datasources of the templates it binds, in order, then its own;
 * a later datasource replaces an earlier one of the same name (a device overrides a
 * template's datasource by defining one of that name). Templates not known are skipped and
 * named in `missing`.
 */
export function effectiveDatasources<D extends { name: string }>(
  own: readonly D[],
  bound: readonly string[],
  templates: ReadonlyMap<string, { datasources: readonly D[] }>,
): { datasources: D[]; missing: string[] } {
  if (bound.length === 0) return { datasources: [...own], missing: [] };
  const byName = new Map<string, D>();
  const missing: string[] = [];
  for (const name of bound) {
    const t = templates.get(name);
    if (!t) missing.push(name);
    else for (const ds of t.datasources) byName.set(ds.name, ds);
  }
  for (const ds of own) {
    byName.delete(ds.name); // keeps the device's own order for its own datasources
    byName.set(ds.name, ds);
  }
  return { datasources: [...byName.values()], missing };
}

export type DatapointInput = z.infer<typeof datapointSchema>;
export type DatasourceInput = z.infer<typeof datasourceSchema>;
export type DeviceInput = z.input<typeof deviceInputSchema>;
export type DevicePatch = z.input<typeof devicePatchSchema>;

/** A device as stored and handed to collectors (see DeviceConfig for the daemon's side). */
export interface Device {
  id: string;
  title: string;
  address: string;
  collector: string;
  properties: Record<string, unknown>;
  datasources: z.infer<typeof datasourceSchema>[];
  /** Hub time (ms) of the last change. */
  updatedAt: number;
  /** The collector's generation at the last change. */
  generation: number;
}

/** A device as ConfigService hands it to collector daemons. */
export type DeviceConfig = Omit<Device, 'updatedAt' | 'generation'> & {
  updatedAt?: number;
  generation?: number;
};

/** A datasource of a device: what a collector plug-in collects, with its datapoints. */
export type DatasourceConfig = z.output<typeof datasourceSchema>;

/** A datapoint of a datasource, as the hub hands it out (defaults filled in). */
export type DatapointConfig = z.output<typeof datapointSchema>;

/** A collector (monitor) of the model. */
export interface CollectorRecord {
  name: string;
  properties: Record<string, unknown>;
  generation: number;
  updatedAt: number;
}

/** Defaults every collector starts with (ZenHub's monitor properties). */
export const DEFAULT_COLLECTOR_PROPERTIES = Object.freeze({
  /** Seconds between collection cycles. */
  cycleInterval: 300,
  /** Seconds between full config pulls (the push catches changes in between). */
  configCycleInterval: 360 * 60,
});

/** Turns a zod error into one message naming every offending field. */
export function describeIssues(err: z.ZodError, prefix = ''): string {
  return err.issues
    .map((i) => `${prefix}${i.path.length ? i.path.join('.') : '(value)'}: ${i.message}`)
    .join('; ');
}
