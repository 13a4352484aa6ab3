import { ZHubError } from '../errors.js';
import type { MethodSpec } from './contract.js';

/** What the parts of zod that checking uses look like (any copy of zod 4 has them). */
interface Parser {
  safeParse(
    v: unknown,
  ):
    | { success: true; data: unknown }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

/** Checks and parses the wire arguments of one call; throws HUB_ERR_BAD_ARGUMENT naming the field. */
export type ArgsCheck = (args: unknown[]) => unknown[];

/**
 * For a bare `z.number()`, `z.string()` or `z.boolean()` (no checks, no coercion): a test that
 * accepts exactly what the schema accepts, without a parse. What it refuses still goes through
 * zod, for zod's message. Anything else has no quick test.
 */
function quickTest(schema: Parser): ((v: unknown) => boolean) | undefined {
  const def = (
    schema as { _zod?: { def?: { type?: unknown; checks?: unknown[]; coerce?: unknown } } }
  )._zod?.def;
  if (def === undefined || def.coerce === true) return undefined;
  if (def.checks !== undefined && def.checks.length > 0)
    return def.type === 'string' ? quickLengthTest(def.checks) : undefined;
  switch (def.type) {
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return (v) => typeof v === 'string';
    case 'boolean':
      return (v) => typeof v === 'boolean';
  }
  return undefined;
}

/**
 * `z.string().min(a).max(b)` (length checks only): zod counts code points, which lie between
 * half the UTF-16 length (rounded up) and the length, so a string whose length is within
 * those bounds either way is accepted here; any other goes to zod for the answer.
 */
function quickLengthTest(checks: unknown[]): ((v: unknown) => boolean) | undefined {
  let min = 0;
  let max = Infinity;
  for (const c of checks) {
    const d = (c as { _zod?: { def?: { check?: unknown; minimum?: unknown; maximum?: unknown } } })
      ._zod?.def;
    if (d?.check === 'min_length' && typeof d.minimum === 'number') min = Math.max(min, d.minimum);
    else if (d?.check === 'max_length' && typeof d.maximum === 'number')
      max = Math.min(max, d.maximum);
    else return undefined;
  }
  return (v) => typeof v === 'string' && v.length <= max && Math.ceil(v.length / 2) >= min;
}

function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let s = root;
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return s;
}

/**
 * The check of one method's arguments, built once per method. Arguments past the declared
 * ones are refused (a caller sending more than the contract says has the wrong contract);
 * missing ones are checked as `undefined`, so optional and defaulted schemas fill them in.
 */
export function argsCheck(method: string, spec: MethodSpec): ArgsCheck {
  const schemas = spec.args as readonly Parser[];
  const names: readonly string[] = spec.names ?? [];
  const n = schemas.length;
  const label = (i: number): string => names[i] ?? `argument ${i + 1}`;
  const signature = `${method}(${schemas.map((_, i) => label(i)).join(', ')})`;
  const quick = schemas.map(quickTest);
  return (args) => {
    if (args.length > n) {
      throw new ZHubError(
        'HUB_ERR_BAD_ARGUMENT',
        `${signature} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`,
        { data: { field: label(n) } },
      );
    }
    // The decoded arguments are this call's own: parsed values are written back in place.
    const out = args;
    for (let i = 0; i < n; i++) {
      if (quick[i]?.(args[i]) === true) continue;
      const r = schemas[i]!.safeParse(args[i]);
      if (!r.success) {
        const issues = r.error.issues;
        const first = fieldPath(label(i), issues[0]?.path ?? []);
        const message = issues
          .slice(0, 5)
          .map((x) => `${fieldPath(label(i), x.path)}: ${x.message}`)
          .join('; ');
        throw new ZHubError('HUB_ERR_BAD_ARGUMENT', `${signature}: ${message}`, {
          data: { field: first },
        });
      }
      out[i] = r.data;
    }
    return out;
  };
}
