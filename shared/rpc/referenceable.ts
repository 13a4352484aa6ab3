import { brandAcrossCopies } from '../brand.js';
import { argsCheck, type ArgsCheck } from '../contract/args-check.js';
import type { Contract } from '../contract/contract.js';

/**
 * PB's Referenceable: an object passed *by reference*. The peer receives a RemoteReference and
 * may call the object's `remote_<name>` methods as `callRemote('<name>', ...args)`. Nothing else
 * on it is reachable.
 */
export class Referenceable {}
brandAcrossCopies(Referenceable, 'Referenceable');

/** One callable method of a class, resolved once. */
export interface RemoteMethod {
  readonly fn: (...args: unknown[]) => unknown;
  /** Receives the connection's caller context as its first argument (see `withCaller`). */
  readonly withCaller: boolean;
  /** Checks and parses the wire arguments, when the class's contract declares the method. */
  readonly check: ArgsCheck | undefined;
}

export type MethodTable = ReadonlyMap<string, RemoteMethod>;

const REMOTE_PREFIX = 'remote_';
const tables = new WeakMap<object, MethodTable>();

/**
 * The allow-list of remote methods for `obj`, built once per class and cached.
 *
 * Security: the table is keyed by the object's prototype, never by anything the instance
 * says about itself, and lists only *data* properties named `remote_*` found on the prototype
 * chain from the class down to (not including) Referenceable. Getters are skipped without
 * being run; own instance properties, `constructor`, `__proto__` and Object.prototype members
 * can never appear because no name without the prefix is ever added. Lookups go through a
 * Map, so a hostile name cannot reach an inherited property.
 */
export function remoteMethodsOf(obj: object): MethodTable | undefined {
  const proto = Object.getPrototypeOf(obj) as object;
  // A cached table means a Referenceable class: the call path skips the brand check.
  const cached = tables.get(proto);
  if (cached !== undefined) return cached;
  if (!(obj instanceof Referenceable)) return undefined;
  const table = buildTable(proto);
  tables.set(proto, table);
  return table;
}

function buildTable(proto: object): MethodTable {
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as
    { withCaller?: unknown; contract?: Contract } | undefined;
  // A static `contract` (inherited like any static) declares the methods' argument schemas.
  const specs = ctor?.contract?.methods;
  const withCaller = new Set(
    Array.isArray(ctor?.withCaller) ? ctor.withCaller.filter((n) => typeof n === 'string') : [],
  );
  const table = new Map<string, RemoteMethod>();
  for (
    let p: object | null = proto;
    p !== null && p !== Referenceable.prototype && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (!key.startsWith(REMOTE_PREFIX) || key.length === REMOTE_PREFIX.length) continue;
      const name = key.slice(REMOTE_PREFIX.length);
      if (table.has(name)) continue; // the most-derived definition wins
      const desc = Object.getOwnPropertyDescriptor(p, key);
      if (desc === undefined || typeof desc.value !== 'function') continue; // getters never run
      table.set(name, {
        fn: desc.value as (...args: unknown[]) => unknown,
        withCaller: withCaller.has(name),
        check:
          specs !== undefined && Object.hasOwn(specs, name)
            ? argsCheck(name, specs[name]!)
            : undefined,
      });
    }
  }
  return table;
}
