import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleLoadFailure, ZHubError } from '../shared/index.js';
import type { Collector } from './collector.js';

function isCollector(v: unknown): v is Collector {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as { type?: unknown }).type === 'string' &&
    typeof (v as { collect?: unknown }).collect === 'function'
  );
}

/** A class whose instances collect (constructed with no arguments). */
function isCollectorClass(v: unknown): v is new () => Collector {
  return (
    typeof v === 'function' &&
    typeof (v as { prototype?: { collect?: unknown } }).prototype?.collect === 'function'
  );
}

/**
 * The collectors a module of one's own exports (`zhub daemon --collector ./my-collector.js`):
 * objects with a `type` and a `collect()`, and classes whose instances have them (made with
 * `new X()`). `spec` is a path (relative to `cwd`) or a package name resolved from `cwd`.
 * Every failure says why and what to do (HUB_ERR_CONFIG).
 */
export async function loadCollectorModule(spec: string, cwd = process.cwd()): Promise<Collector[]> {
  let path: string;
  if (spec.startsWith('.') || isAbsolute(spec)) path = resolve(cwd, spec);
  else {
    try {
      path = createRequire(resolve(cwd, 'package.json')).resolve(spec);
    } catch {
      throw new ZHubError(
        'HUB_ERR_CONFIG',
        `cannot find the collector module '${spec}' from ${cwd}: give a path (./my-collector.js) or install the package there`,
      );
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message =
      code === 'ERR_MODULE_NOT_FOUND' && (err as Error).message.includes(path)
        ? `no collector module at ${path}`
        : moduleLoadFailure(path, dirname(path), err);
    throw new ZHubError('HUB_ERR_CONFIG', message, { cause: err });
  }
  const found: Collector[] = [];
  for (const v of new Set(Object.values(mod))) {
    if (isCollector(v)) found.push(v);
    else if (isCollectorClass(v)) {
      const c = new v();
      if (isCollector(c)) found.push(c);
    }
  }
  if (found.length === 0) {
    throw new ZHubError(
      'HUB_ERR_CONFIG',
      `${path} exports nothing that is a collector (it exports ${Object.keys(mod).join(', ') || 'nothing'}): export an object or a class with a string \`type\` and a \`collect(ctx)\` method`,
    );
  }
  return found;
}
