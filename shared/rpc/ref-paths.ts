import { Referenceable } from './referenceable.js';
import { RemoteReference } from './remote-reference.js';
import type { RefContext } from './value-codec.js';

// Values that are plain JSON but for references anywhere inside them (a login's answer with
// its avatar and services, getService's arguments with a listener): superjson's encoding of
// them, written and read directly. superjson walks every value through its general plainer
// and accessors, a tenth of a daemon's start-up on both sides; these walks are what it would
// write and read, and give up (undefined) for anything else, which superjson then handles.

/** The annotation superjson writes for one reference (the custom transformer 'r'). */
export const REF_ANNOTATION = [['custom', 'r']] as const;

const isRef = (v: unknown): v is Referenceable | RemoteReference =>
  v instanceof Referenceable || v instanceof RemoteReference;

/** superjson's escaping of one path segment (backslash, then dot). */
function escapeKey(key: string): string {
  return key.indexOf('\\') === -1 && key.indexOf('.') === -1
    ? key
    : key.replace(/\\/g, '\\\\').replace(/\./g, '\\.');
}

/**
 * `value` with its references as ids, and the meta superjson would give it; undefined when it
 * holds anything but plain JSON and references (or no reference at all). Never throws for
 * what superjson can encode: the caller has checked the value (depth, functions, symbols).
 */
export function encodeRefPaths(
  value: unknown,
  refs: RefContext,
): { json: unknown; meta: unknown } | undefined {
  if (isRef(value))
    return { json: refs.serializeRef(value), meta: { values: REF_ANNOTATION, v: 1 } };
  const values: Record<string, typeof REF_ANNOTATION> = {};
  const state: EncodeState = { found: false, values, refs, seen: new Set() };
  const json = copy(value, undefined, state);
  if (json === GIVE_UP || !state.found) return undefined;
  return { json, meta: { values, v: 1 } };
}

const GIVE_UP = Symbol('give up');

interface EncodeState {
  found: boolean;
  values: Record<string, typeof REF_ANNOTATION>;
  refs: RefContext;
  /** superjson writes an object met twice as a referential equality: left to it. */
  seen: Set<object>;
}

/** `path`: superjson's path of `v`, undefined for the root. */
function copy(v: unknown, path: string | undefined, state: EncodeState): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? v : GIVE_UP;
    case 'object':
      break;
    default:
      return GIVE_UP;
  }
  if (v === null) return v;
  if (state.seen.has(v)) return GIVE_UP;
  state.seen.add(v);
  if (isRef(v)) {
    state.found = true;
    state.values[path ?? ''] = REF_ANNOTATION;
    return state.refs.serializeRef(v);
  }
  const proto = Object.getPrototypeOf(v) as object | null;
  const prefix = path === undefined ? '' : `${path}.`;
  if (proto === Array.prototype) {
    const arr = v as unknown[];
    const out = new Array<unknown>(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const x = copy(arr[i], prefix + String(i), state);
      if (x === GIVE_UP) return GIVE_UP;
      out[i] = x;
    }
    return out;
  }
  if (proto !== Object.prototype && proto !== null) return GIVE_UP;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    // superjson refuses these keys (prototype pollution); left to it, to say so.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return GIVE_UP;
    const x = copy((v as Record<string, unknown>)[key], prefix + escapeKey(key), state);
    if (x === GIVE_UP) return GIVE_UP;
    out[key] = x;
  }
  return out;
}

/**
 * Reads a value whose meta holds only reference annotations, in place, as superjson would;
 * undefined (nothing changed) for any other meta, or a path that is not plainly there, which
 * superjson then reads or refuses.
 */
export function decodeRefPaths(
  json: unknown,
  meta: unknown,
  refs: RefContext,
): { value: unknown } | undefined {
  const m = meta as { values?: unknown; v?: unknown; referentialEqualities?: unknown };
  if (m.referentialEqualities !== undefined) return undefined;
  for (const key in m) if (key !== 'values' && key !== 'v') return undefined;
  const values = m.values;
  if (isRefAnnotation(values)) return { value: refs.deserializeRef(json) };
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return undefined;
  const paths = Object.keys(values);
  if (paths.length === 0) return undefined;
  // Every path checked before any reference is made: nothing half-done to undo.
  const sites: [container: Record<string, unknown> | unknown[], key: string][] = [];
  for (const path of paths) {
    if (!isRefAnnotation((values as Record<string, unknown>)[path])) return undefined;
    const site = locate(json, path);
    if (site === undefined) return undefined;
    sites.push(site);
  }
  for (const [container, key] of sites)
    (container as Record<string, unknown>)[key] = refs.deserializeRef(
      (container as Record<string, unknown>)[key],
    );
  return { value: json };
}

function isRefAnnotation(a: unknown): boolean {
  if (!Array.isArray(a) || a.length !== 1) return false;
  const t: unknown = a[0];
  return Array.isArray(t) && t.length === 2 && t[0] === 'custom' && t[1] === 'r';
}

/** The container and key `path` names in `json`, through own entries of plain arrays and objects only. */
function locate(
  json: unknown,
  path: string,
): [Record<string, unknown> | unknown[], string] | undefined {
  const segments = parsePath(path);
  if (segments === undefined) return undefined;
  let node: unknown = json;
  for (let i = 0; i < segments.length; i++) {
    const key = segments[i] as string;
    if (key === '__proto__' || key === 'prototype' || key === 'constructor') return undefined;
    if (node === null || typeof node !== 'object') return undefined;
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= node.length) return undefined;
    } else if (!Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    if (i === segments.length - 1) return [node as Record<string, unknown>, key];
    node = (node as Record<string, unknown>)[key];
  }
  return undefined;
}

/** superjson's path syntax: segments joined by dots, `\.` a dot and `\\` a backslash within one. */
function parsePath(path: string): string[] | undefined {
  if (path.indexOf('\\') === -1) return path.split('.');
  const out: string[] = [];
  let segment = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '\\') {
      const next = path.charAt(i + 1);
      if (next !== '\\' && next !== '.') return undefined;
      segment += next;
      i++;
    } else if (c === '.') {
      out.push(segment);
      segment = '';
    } else segment += c;
  }
  out.push(segment);
  return out;
}
