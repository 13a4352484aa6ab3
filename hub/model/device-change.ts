import { isDeepStrictEqual } from 'node:util';
import { ZHubError } from '../../shared/index.js';
import type { Device, DeviceInput, DevicePatch } from './model-schemas.js';

export type DeviceFields = Omit<Device, 'updatedAt' | 'generation'>;

/**
 * The device an add, replace (`upsert`) or edit leaves, from the item given and what was
 * there before (`prev`: the whole device for an edit; its collector is enough otherwise).
 * The same rules for every store: an add refuses an existing id, an edit an unknown one.
 */
export function nextDevice(
  item: DeviceInput | { id: string; patch: DevicePatch },
  mode: 'add' | 'upsert' | 'edit',
  prev: Device | { collector: string } | undefined,
): DeviceFields {
  const id = item.id;
  if (mode === 'edit') {
    if (!prev) throw new ZHubError('HUB_ERR_NOT_FOUND', `no device '${id}'`);
    const patch = (item as { patch: DevicePatch }).patch;
    const old = prev as Device;
    return {
      id,
      title: patch.title ?? old.title,
      address: patch.address ?? old.address,
      collector: patch.collector ?? old.collector,
      properties: patch.properties ?? old.properties,
      datasources: (patch.datasources as Device['datasources'] | undefined) ?? old.datasources,
    };
  }
  if (mode === 'add' && prev)
    throw new ZHubError('HUB_ERR_CONFLICT', `device '${id}' already exists`);
  const d = item as DeviceInput;
  return {
    id,
    title: d.title ?? id,
    address: d.address,
    collector: d.collector ?? 'localhost',
    properties: d.properties ?? {},
    datasources: (d.datasources as Device['datasources'] | undefined) ?? [],
  };
}

/** True when `next` leaves the stored device `prev` exactly as it is (an upsert of the same). */
export function sameDevice(
  prev: Device | { collector: string } | undefined,
  next: DeviceFields,
): boolean {
  if (!prev || !('id' in prev)) return false;
  return (
    prev.title === next.title &&
    prev.address === next.address &&
    prev.collector === next.collector &&
    isDeepStrictEqual(prev.properties, next.properties) &&
    isDeepStrictEqual(prev.datasources, next.datasources)
  );
}

/** The properties a merge leaves, and whether they differ from what was stored. */
export function mergeProperties(
  stored: Record<string, unknown>,
  update: Record<string, unknown>,
): { merged: Record<string, unknown>; changed: boolean } {
  const merged = { ...stored, ...update };
  return { merged, changed: !isDeepStrictEqual(stored, merged) };
}
