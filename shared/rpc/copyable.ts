import { ZHubError } from '../errors.js';
import { codec } from './codec-instance.js';

/** Class → tag, for the outgoing check; the reverse lives in superjson's class registry. */
const tagsByClass = new Map<abstract new (...args: never[]) => unknown, string>();
const classesByTag = new Map<string, abstract new (...args: never[]) => unknown>();

/**
 * PB's setUnjellyableForClass: instances of `Class` cross the wire by copy under `tag`, and
 * are rebuilt on arrival from their own enumerable properties *without running the
 * constructor*. Both sides must register the same tag. Registering a tag twice for another
 * class is an error (it would make the wire ambiguous).
 */
export function registerCopyable(
  tag: string,
  Class: abstract new (...args: never[]) => unknown,
): void {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > 200) {
    throw new ZHubError(
      'HUB_ERR_BAD_ARGUMENT',
      'registerCopyable needs a tag of 1 to 200 characters',
    );
  }
  if (typeof Class !== 'function' || Class.prototype === undefined) {
    throw new ZHubError('HUB_ERR_BAD_ARGUMENT', `registerCopyable('${tag}') needs a class`);
  }
  const existing = classesByTag.get(tag);
  if (existing === Class) return;
  if (existing !== undefined || tagsByClass.has(Class)) {
    throw new ZHubError(
      'HUB_ERR_BAD_ARGUMENT',
      `copy tag '${tag}' or class ${Class.name} is already registered`,
    );
  }
  tagsByClass.set(Class, tag);
  classesByTag.set(tag, Class);
  codec.registerClass(Class as unknown as Parameters<typeof codec.registerClass>[0], {
    identifier: tag,
  });
}

/** True when instances whose constructor is `ctor` may be sent by copy. */
export function isCopyableClass(ctor: unknown): boolean {
  return tagsByClass.has(ctor as abstract new (...args: never[]) => unknown);
}

export function isRegisteredTag(tag: string): boolean {
  return classesByTag.has(tag);
}
