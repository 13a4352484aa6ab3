import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Clock, Logger } from '../shared/index.js';
import { ZHubError } from '../shared/index.js';
import type { HubEnvironment } from './hub-environment.js';
import { HubService, type ServiceClass } from './hub-service.js';

const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts']);

/**
 * `file:line` of a JavaScript module's syntax error: an ES module's import does not say
 * where, so `node --check` is asked (on this rare path only).
 */
function syntaxErrorAt(path: string): string | undefined {
  if (!/\.m?js$/.test(path)) return undefined;
  try {
    execFileSync(process.execPath, ['--check', path], { stdio: 'pipe', timeout: 5_000 });
  } catch (err) {
    const first = String((err as { stderr?: Buffer }).stderr ?? '').split('\n')[0] ?? '';
    if (first.startsWith(path)) return first;
  }
  return undefined;
}

/** Why a service module would not load, in words that name the fix. */
function loadFailure(path: string, dir: string, err: unknown): string {
  const e = err as { code?: string; message?: string; stack?: string };
  const message = e.message ?? String(err);
  if (e.code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package 'zhub'/.test(message)) {
    return `${path} imports 'zhub', which cannot be found from ${dir}: install zhub in the services' project (npm install zhub), or put the folder inside a project that has it`;
  }
  if (e.code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.m?ts/.test(message)) {
    return `${path} is TypeScript and this hub runs without a TypeScript loader: build the module to JavaScript in its project (tsc), or start the hub with one (node --import tsx ...)`;
  }
  if (
    e.code === 'ERR_REQUIRE_ESM' ||
    e.code === 'ERR_REQUIRE_CYCLE_MODULE' ||
    /Cannot use import statement outside a module|in a cycle/.test(message)
  ) {
    return `${path} is written as an ES module (import/export) but its package.json does not say "type": "module": add that to the package.json of its project, or name the file .mjs`;
  }
  if (err instanceof SyntaxError)
    return `${syntaxErrorAt(path) ?? path} has a syntax error: ${message}`;
  return `cannot load service module ${path}: ${message}`;
}

/**
 * The services a hub offers, and their instances: one per (monitor, service), created on the
 * first `getService` for that pair.
 */
export class ServiceRegistry {
  private readonly classes = new Map<string, ServiceClass>();
  private readonly instances = new Map<string, HubService>();

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly env: HubEnvironment,
  ) {}

  /** Registers `Class` under `name` (default: its static `serviceName`, else its class name). */
  register(Class: ServiceClass, name?: string): string {
    if (typeof Class !== 'function' || !(Class.prototype instanceof HubService)) {
      throw new ZHubError(
        'HUB_ERR_SERVICE_LOAD',
        `${String((Class as { name?: string })?.name ?? Class)} is not a HubService subclass`,
      );
    }
    const serviceName =
      name ?? (Object.hasOwn(Class, 'serviceName') ? Class.serviceName : undefined) ?? Class.name;
    if (!SERVICE_NAME.test(serviceName)) {
      throw new ZHubError('HUB_ERR_SERVICE_LOAD', `invalid service name '${serviceName}'`);
    }
    const existing = this.classes.get(serviceName);
    if (existing !== undefined && existing !== Class) {
      throw new ZHubError(
        'HUB_ERR_SERVICE_LOAD',
        `a different service is already registered as '${serviceName}'`,
      );
    }
    this.classes.set(serviceName, Class);
    return serviceName;
  }

  /** Imports every module in `dir` and registers each HubService subclass it exports. */
  async loadDirectory(dir: string): Promise<string[]> {
    const root = resolve(dir);
    let files: string[];
    try {
      files = (await readdir(root)).filter(
        (f) =>
          MODULE_EXTENSIONS.has(extname(f)) && !f.endsWith('.d.ts') && !/\.test\.|\.spec\./.test(f),
      );
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_SERVICE_LOAD',
        `cannot read services directory ${root}: ${(err as Error).message}`,
      );
    }
    const names: string[] = [];
    for (const file of files.sort()) {
      const path = join(root, file);
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      } catch (err) {
        throw new ZHubError('HUB_ERR_SERVICE_LOAD', loadFailure(path, root, err), { cause: err });
      }
      // A class extending another copy of zhub's HubService counts too (see brandAcrossCopies).
      const found = Object.values(mod).filter(
        (v): v is ServiceClass =>
          typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof HubService,
      );
      if (found.length === 0) {
        const exported = Object.keys(mod);
        throw new ZHubError(
          'HUB_ERR_SERVICE_LOAD',
          `${path} exports nothing that is a service (${exported.length ? `it exports ${exported.slice(0, 10).join(', ')}` : 'it exports nothing'}): export a class that extends HubService from 'zhub'`,
        );
      }
      for (const Class of new Set(found)) names.push(this.register(Class));
    }
    this.log.info({ dir: root, services: names }, 'loaded service modules');
    return names;
  }

  has(name: string): boolean {
    return this.classes.has(name);
  }

  names(): string[] {
    return [...this.classes.keys()].sort();
  }

  /** The instance for (monitor, name), created on first use. */
  instance(name: string, monitor: string): HubService {
    const Class = this.classes.get(name);
    if (Class === undefined)
      throw new ZHubError('HUB_ERR_NO_SUCH_SERVICE', `no service named '${name}'`);
    const key = `${monitor}\u0000${name}`;
    let svc = this.instances.get(key);
    if (svc === undefined) {
      svc = new Class({
        name,
        monitor,
        log: this.log.child({ service: name, monitor }),
        clock: this.clock,
        env: this.env,
      });
      this.instances.set(key, svc);
    }
    return svc;
  }

  /** Every live instance (for status and shutdown). */
  allInstances(): HubService[] {
    return [...this.instances.values()];
  }

  async close(): Promise<void> {
    for (const svc of this.instances.values()) {
      try {
        await svc.close();
      } catch (err) {
        this.log.error({ err, service: svc.name, monitor: svc.monitor }, 'service close failed');
      }
    }
    this.instances.clear();
  }
}
