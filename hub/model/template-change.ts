import { isDeepStrictEqual } from 'node:util';
import type { TemplatePatch, TemplateRecord } from '../../shared/index.js';
import { ZHubError } from '../../shared/index.js';
import type { TemplateFields } from '../store/store.js';

/**
 * The template an add, replace (`upsert`) or edit leaves, from the item given and what was
 * stored: the same rules for every store. Answers undefined when it leaves the stored one
 * exactly as it was (nothing to write, nothing to push).
 */
export function nextTemplate(
  item: TemplateFields | { name: string; patch: TemplatePatch },
  mode: 'add' | 'upsert' | 'edit',
  prev: TemplateRecord | undefined,
): TemplateFields | undefined {
  let next: TemplateFields;
  if (mode === 'edit') {
    if (!prev) throw new ZHubError('HUB_ERR_NOT_FOUND', `no template '${item.name}'`);
    const patch = (item as { patch: TemplatePatch }).patch;
    next = {
      name: prev.name,
      description: patch.description ?? prev.description,
      datasources:
        (patch.datasources as TemplateFields['datasources'] | undefined) ?? prev.datasources,
    };
  } else {
    if (mode === 'add' && prev)
      throw new ZHubError('HUB_ERR_CONFLICT', `template '${item.name}' already exists`);
    next = item as TemplateFields;
  }
  if (
    prev &&
    prev.description === next.description &&
    isDeepStrictEqual(prev.datasources, next.datasources)
  )
    return undefined;
  return next;
}

/** The refusal of a remove while the template is bound. */
export function boundRefusal(
  name: string,
  bound: { devices: number; collectors: number },
): ZHubError {
  return new ZHubError(
    'HUB_ERR_CONFLICT',
    `template '${name}' is bound to ${bound.devices} device(s) and ${bound.collectors} collector(s) through zDeviceTemplates: unbind it first`,
    { data: bound },
  );
}
