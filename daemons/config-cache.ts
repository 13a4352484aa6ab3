import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeviceConfig } from './collector.js';

/** The last configuration a daemon received: it collects from it while the hub is unreachable. */
export interface CachedConfig {
  properties: Record<string, unknown>;
  devices: DeviceConfig[];
  /** The hub time of the last diff: the next pull asks for changes since then. */
  asOf: number;
}

export async function readConfigCache(path: string): Promise<CachedConfig | undefined> {
  try {
    const c = JSON.parse(await readFile(path, 'utf8')) as CachedConfig;
    if (!Array.isArray(c.devices) || typeof c.asOf !== 'number') return undefined;
    return c;
  } catch {
    return undefined; // none yet, or unreadable: start from the hub
  }
}

/**
 * Written whole to a temporary file and renamed over the old one: never half a file. Mode
 * 0600: device properties may hold credentials (SNMP communities, passwords).
 */
export async function writeConfigCache(path: string, config: CachedConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(config), { mode: 0o600 });
  await rename(tmp, path);
}
