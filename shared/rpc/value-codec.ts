import type { SuperJSONResult } from 'superjson';
import { ZHubError } from '../errors.js';
import { codec } from './codec-instance.js';
import { isCopyableClass, isRegisteredTag } from './copyable.js';
import { Referenceable } from './referenceable.js';
import { RemoteReference } from './remote-reference.js';
import { decodeRefPaths, encodeRefPaths } from './ref-paths.js';

/** What the codec needs from a connection to turn references into ids and back. */
export interface RefContext {
  serializeRef(value: Referenceable | RemoteReference): [number, number];
  deserializeRef(marker: unknown): unknown;
}

// superjson's custom transformers are global to the instance; the connection whose value is
// being (de)serialised is lent to them for the synchronous duration of that call only.
let current: RefContext | undefined;

codec.registerCustom<Referenceable | RemoteReference, [number, number]>(
  {
    isApplicable: (v): v is Referenceable | RemoteReference =>
      v instanceof Referenceable || v instanceof RemoteReference,
    serialize: (v) => {
      if (current === undefined)
        throw new ZHubError(
          'HUB_ERR_NOT_COPYABLE',
          'references can only be sent over a connection',
        );
      return current.serializeRef(v);
    },
    deserialize: (v) => {
      if (current === undefined)
        throw new ZHubError('HUB_ERR_BAD_MESSAGE', 'reference outside a connection');
      return current.deserializeRef(v) as Referenceable | RemoteReference;
    },
  },
  'r',
);

/** An encoded value: plain JSON needs no meta; anything else carries superjson's meta. */
export interface Encoded {
  json: unknown;
  meta: SuperJSONResult['meta'] | undefined;
}

/**
 * Encodes `value` for the wire. Plain JSON data (the hot path) passes through untouched;
 * anything richer goes through superjson with the connection's references.
 *
 * Throws HUB_ERR_NOT_COPYABLE naming the type for functions, symbols and instances of
 * classes that are neither registered copyables nor Referenceables, and HUB_ERR_TOO_DEEP past
 * `maxDepth` (which also catches cycles) — before anything is sent.
 */
export function encodeValue(value: unknown, maxDepth: number, refs: RefContext): Encoded {
  if (inspect(value, maxDepth, 0)) return { json: value, meta: undefined };
  return (encodeRefPaths(value, refs) as Encoded | undefined) ?? encodeBySuperjson(value, refs);
}

/** @internal superjson's encoding, the general path (tests compare the direct ones with it). */
export function encodeBySuperjson(value: unknown, refs: RefContext): Encoded {
  current = refs;
  try {
    const out = codec.serialize(value);
    return { json: out.json, meta: out.meta };
  } finally {
    current = undefined;
  }
}

/**
 * Decodes a value received with `meta`. Class tags the receiver has not registered are refused
 * with HUB_ERR_UNKNOWN_COPYABLE; anything else superjson rejects becomes HUB_ERR_BAD_MESSAGE.
 */
export function decodeValue(json: unknown, meta: unknown, refs: RefContext): unknown {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw new ZHubError('HUB_ERR_BAD_MESSAGE', 'value annotations must be an object');
  }
  let direct: { value: unknown } | undefined;
  try {
    direct = decodeRefPaths(json, meta, refs);
  } catch (err) {
    throw undecodable(err);
  }
  if (direct !== undefined) return direct.value;
  const tags = new Set<string>();
  collectClassTags((meta as { values?: unknown }).values, tags, 0);
  for (const tag of tags) {
    if (!isRegisteredTag(tag)) {
      throw new ZHubError(
        'HUB_ERR_UNKNOWN_COPYABLE',
        `copy tag '${tag}' is not registered on this side`,
        {
          data: { tag },
        },
      );
    }
  }
  return decodeBySuperjson(json, meta, refs);
}

/** @internal superjson's decoding, the general path (tests compare the direct one with it). */
export function decodeBySuperjson(json: unknown, meta: unknown, refs: RefContext): unknown {
  current = refs;
  try {
    return codec.deserialize({ json: json as never, meta: meta as never }, { inPlace: true });
  } catch (err) {
    throw undecodable(err);
  } finally {
    current = undefined;
  }
}

/** A ZHubError as it is; anything else a decoder threw, as HUB_ERR_BAD_MESSAGE. */
function undecodable(err: unknown): ZHubError {
  if (err instanceof ZHubError) return err;
  return new ZHubError('HUB_ERR_BAD_MESSAGE', `undecodable value: ${(err as Error).message}`);
}

function collectClassTags(node: unknown, out: Set<string>, depth: number): void {
  if (depth > 200 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    if (node[0] === 'class' && typeof node[1] === 'string') {
      out.add(node[1]);
      return;
    }
    for (const child of node) collectClassTags(child, out, depth + 1);
    return;
  }
  for (const key of Object.keys(node))
    collectClassTags((node as Record<string, unknown>)[key], out, depth + 1);
}

/**
 * Walks an outgoing value once. Returns true when it is plain JSON (no meta needed), false
 * when superjson must carry it, and throws for what cannot be sent at all.
 */
function inspect(v: unknown, maxDepth: number, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'undefined':
    case 'bigint':
      return false;
    case 'function':
      throw new ZHubError(
        'HUB_ERR_NOT_COPYABLE',
        `cannot send a function (${v.name || 'anonymous'})`,
        {
          data: { type: 'function' },
        },
      );
    case 'symbol':
      throw new ZHubError('HUB_ERR_NOT_COPYABLE', `cannot send a symbol (${v.toString()})`, {
        data: { type: 'symbol' },
      });
  }
  if (v === null) return true;
  if (depth >= maxDepth) {
    throw new ZHubError(
      'HUB_ERR_TOO_DEEP',
      `value nests deeper than ${maxDepth} levels (or is cyclic)`,
    );
  }
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === Array.prototype) {
    const arr = v as unknown[];
    let plain = true;
    for (let i = 0; i < arr.length; i++) if (!inspect(arr[i], maxDepth, depth + 1)) plain = false;
    return plain;
  }
  if (proto === Object.prototype || proto === null) {
    let plain = true;
    for (const key in v as Record<string, unknown>) {
      if (!inspect((v as Record<string, unknown>)[key], maxDepth, depth + 1)) plain = false;
    }
    return plain;
  }
  if (v instanceof Referenceable || v instanceof RemoteReference) return false;
  if (v instanceof Date || v instanceof RegExp || v instanceof Error || v instanceof URL)
    return false;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return false;
  if (v instanceof Map) {
    for (const [k, val] of v) {
      inspect(k, maxDepth, depth + 1);
      inspect(val, maxDepth, depth + 1);
    }
    return false;
  }
  if (v instanceof Set) {
    for (const item of v) inspect(item, maxDepth, depth + 1);
    return false;
  }
  const ctor = (proto as { constructor?: { name?: string } }).constructor;
  if (isCopyableClass(ctor)) {
    for (const key of Object.keys(v as object))
      inspect((v as Record<string, unknown>)[key], maxDepth, depth + 1);
    return false;
  }
  const name = ctor?.name || 'anonymous class';
  throw new ZHubError(
    'HUB_ERR_NOT_COPYABLE',
    `cannot send an instance of ${name}: register it with registerCopyable() on both sides, or make it a Referenceable`,
    { data: { type: name } },
  );
}
