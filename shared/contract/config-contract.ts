import { z } from 'zod';
import { defineContract } from './contract.js';
import type { DeviceConfig, TemplateRecord } from './device-schemas.js';

/** A time in hub ms (0 for everything): the previous answer's `asOf`. */
const since = z.number().finite().nonnegative().default(0);

/** At most this many ids in `getDeviceConfigs(since, knownDeviceIds)`. */
export const MAX_KNOWN_IDS = 1_000_000;

/** The collector's properties (cycle intervals and what the operator set) and generation. */
export interface ConfigProperties {
  name: string;
  generation: number;
  properties: Record<string, unknown>;
}

/** `getDeviceConfigs` (the whole-diff pull): what the daemon lacks, what changed, what is gone. */
export interface DeviceDiff<D = DeviceConfig> {
  new: D[];
  updated: D[];
  removed: string[];
  generation: number;
  /** Hub time when the diff was taken: pass it back as the next `since`. */
  asOf: number;
}

/**
 * One page of the paged config pull. Every device of the monitor appears in exactly one page of
 * a pull: whole in `devices` when it changed at or after `since`, by id in `unchanged`
 * otherwise. A device of the daemon's that no page named is gone (removed, or moved to another
 * monitor): the daemon removes it when the last page (`cursor: null`) has arrived.
 */
export interface DeviceConfigPage {
  devices: DeviceConfig[];
  unchanged: string[];
  /** Pass it to the next call; null on the last page. */
  cursor: string | null;
  /** The collector's generation when this page was read. */
  generation: number;
  /** Hub time when the pull began: the next pull's `since`. */
  asOf: number;
}

/** What the hub pushes to a ConfigService listener (the collector daemon). */
export interface ConfigListener {
  updateDeviceConfigs(devices: DeviceConfig[]): void;
  deleteDevices(ids: string[]): void;
  /** The listener fell too far behind: pull again. */
  notifyConfigChanged(): void;
  setPropertyItems(properties: Record<string, unknown>): void;
  /** Templates written (every daemon gets them; it applies those its devices bind). */
  updateTemplates(templates: TemplateRecord[]): void;
  deleteTemplates(names: string[]): void;
}

/** ZenHub's config service, per monitor (see services/config-service.ts). */
export const ConfigContract = defineContract('ConfigService', {
  getConfigProperties: { args: [], result: z.custom<ConfigProperties>() },
  getDeviceConfigs: {
    args: [since, z.array(z.string()).max(MAX_KNOWN_IDS).default([])],
    names: ['since', 'knownDeviceIds'],
    result: z.custom<DeviceDiff>(),
  },
  getDeviceConfigPage: {
    args: [since, z.string().max(8192).nullable().default(null)],
    names: ['since', 'cursor'],
    result: z.custom<DeviceConfigPage>(),
  },
  getTemplates: { args: [], result: z.custom<TemplateRecord[]>() },
  getDeviceConfig: {
    args: [z.string().max(256)],
    names: ['deviceId'],
    result: z.custom<DeviceConfig>(),
  },
});
