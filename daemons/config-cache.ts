import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { TemplateRecord } from '../shared/index.js';
import type { DeviceConfig } from './collector.js';

/** What the cache holds besides its devices. */
export interface CachedHeader {
  properties: Record<string, unknown>;
  /** The hub time of the last complete pull: the next pull asks for changes since then. */
  asOf: number;
  /** The monitoring templates known at the time. */
  templates?: TemplateRecord[];
}

/** The last configuration a daemon received: it collects from it while the hub is unreachable. */
export interface CachedConfig extends CachedHeader {
  devices: Iterable<DeviceConfig>;
}

const VERSION = 2;

/**
 * Reads the cache, handing each device to `onDevice` as it is read (a fleet of 100,000
 * devices is never one string in memory). Answers the header with the number of devices, or
 * undefined when there is no usable cache. A cache that breaks off part way answers `asOf: 0`,
 * so the next pull is a full one and removes whatever the hub no longer has.
 */
export async function readConfigCache(
  path: string,
  onDevice: (d: DeviceConfig) => void,
): Promise<(CachedHeader & { devices: number }) | undefined> {
  let header: CachedHeader | undefined;
  let devices = 0;
  try {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      const value = JSON.parse(line) as Record<string, unknown>;
      if (header === undefined) {
        if (typeof value.asOf !== 'number') return undefined;
        header = {
          properties: (value.properties ?? {}) as Record<string, unknown>,
          asOf: value.asOf,
          ...(Array.isArray(value.templates)
            ? { templates: value.templates as TemplateRecord[] }
            : {}),
        };
        // The format before version 2: one object with every device in it.
        if (Array.isArray(value.devices)) {
          for (const d of value.devices as DeviceConfig[]) onDevice(d);
          devices += value.devices.length;
        }
        continue;
      }
      onDevice(value as unknown as DeviceConfig);
      devices++;
    }
  } catch {
    // None yet, or unreadable: start from the hub (what was read is swept by a full pull).
    return header ? { ...header, asOf: 0, devices } : undefined;
  }
  return header ? { ...header, devices } : undefined;
}

/**
 * Written one device per line to a temporary file and renamed over the old one: never half a
 * file, and never the whole fleet as one string. Mode 0600: device properties may hold
 * credentials (SNMP communities, passwords).
 */
export async function writeConfigCache(path: string, config: CachedConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp, { mode: 0o600 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined); // observed through the races below
  try {
    const write = async (line: string): Promise<void> => {
      if (!out.write(`${line}\n`)) await Promise.race([once(out, 'drain'), failed]);
    };
    await write(
      JSON.stringify({
        v: VERSION,
        properties: config.properties,
        asOf: config.asOf,
        templates: config.templates ?? [],
      }),
    );
    for (const d of config.devices) await write(JSON.stringify(d));
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  await rename(tmp, path);
}
