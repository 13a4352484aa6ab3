import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Clock, Contract, Logger } from '../shared/index.js';
import { moduleLoadFailure, remoteMethodsOf, ZHubError } from '../shared/index.js';
import type { HubEnvironment } from './hub-environment.js';
import { HubService, type ServiceClass } from './hub-service.js';

/** Every method a contract declares is implemented (or calls to it would answer "no such method"). */
function checkContract(Class: ServiceClass, contract: Contract): void {
  const methods = remoteMethodsOf(Object.create(Class.prototype as object) as object);
  const missing = Object.keys(contract.methods).filter((m) => !methods?.has(m));
  if (missing.length > 0) {
    throw new ZHubError(
      'HUB_ERR_SERVICE_LOAD',
      `${Class.name}'s contract '${contract.service}' declares ${missing.join(', ')} but the class has no remote_${missing[0]}`,
    );
  }
}

/** A file of a services folder that is a module to load (not a declaration, not a test). */
export function isServiceModule(file: string): boolean {
  return (
    MODULE_EXTENSIONS.has(extname(file)) &&
    !file.endsWith('.d.ts') &&
    !/\.test\.|\.spec\./.test(file)
  );
}

/**
 * The service classes a module exports. `version` imports it afresh (a new URL: ES modules
 * are cached by theirs). Every failure names its cause and fix (HUB_ERR_SERVICE_LOAD).
 */
async function importServices(
  path: string,
  root: string,
  version?: number,
): Promise<{ classes: ServiceClass[]; url: string }> {
  let mod: Record<string, unknown>;
  const url = pathToFileURL(path).href + (version === undefined ? '' : `?reload=${version}`);
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new ZHubError('HUB_ERR_SERVICE_LOAD', moduleLoadFailure(path, root, err), {
      cause: err,
    });
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
  return { classes: [...new Set(found)], url };
}

/** The name `Class` registers under: its static `serviceName`, its contract's, or its class name. */
export function serviceNameOf(Class: ServiceClass): string {
  return (
    (Object.hasOwn(Class, 'serviceName') ? Class.serviceName : undefined) ??
    Class.contract?.service ??
    Class.name
  );
}

const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts']);

/**
 * The services a hub offers, and their instances: one per (monitor, service), created on the
 * first `getService` for that pair.
 */
export class ServiceRegistry {
  private readonly classes = new Map<string, ServiceClass>();
  private readonly instances = new Map<string, HubService>();
  /** The service names each loaded module file provides (for reloads). */
  private readonly fromModule = new Map<string, string[]>();
  /** The module URL each service from a module file was imported from (with its reload query). */
  private readonly modules = new Map<string, string>();
  private reloads = 0;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly env: HubEnvironment,
  ) {}

  /** The name `Class` registers under: its static `serviceName`, its contract's, or its class name. */
  nameOf(Class: ServiceClass): string {
    return serviceNameOf(Class);
  }

  /**
   * The URL of the module `name` comes from (a worker imports it to run the service): the
   * module file it was loaded from, else the class's static `moduleUrl`.
   */
  moduleOf(name: string): string | undefined {
    return this.modules.get(name) ?? this.classes.get(name)?.moduleUrl;
  }

  /** The class registered as `name`. */
  classOf(name: string): ServiceClass | undefined {
    return this.classes.get(name);
  }

  /** The instance for (monitor, name) if one was made (never makes one). */
  existing(name: string, monitor: string): HubService | undefined {
    return this.instances.get(`${monitor}\u0000${name}`);
  }

  /** Registers `Class` under `name` (default: {@link nameOf}). */
  register(Class: ServiceClass, name?: string): string {
    if (typeof Class !== 'function' || !(Class.prototype instanceof HubService)) {
      throw new ZHubError(
        'HUB_ERR_SERVICE_LOAD',
        `${String((Class as { name?: string })?.name ?? Class)} is not a HubService subclass`,
      );
    }
    const contract = Class.contract;
    const serviceName = name ?? this.nameOf(Class);
    if (!SERVICE_NAME.test(serviceName)) {
      throw new ZHubError('HUB_ERR_SERVICE_LOAD', `invalid service name '${serviceName}'`);
    }
    if (contract !== undefined) checkContract(Class, contract);
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
      files = (await readdir(root)).filter(isServiceModule);
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_SERVICE_LOAD',
        `cannot read services directory ${root}: ${(err as Error).message}`,
      );
    }
    const names: string[] = [];
    for (const file of files.sort()) {
      const path = join(root, file);
      const own: string[] = [];
      const { classes, url } = await importServices(path, root);
      for (const Class of classes) {
        const name = this.register(Class);
        own.push(name);
        this.modules.set(name, url);
      }
      this.fromModule.set(path, own);
      names.push(...own);
    }
    this.log.info({ dir: root, services: names }, 'loaded service modules');
    return names;
  }

  /**
   * Imports `path` afresh (a changed service module) and puts its services in place of the
   * ones it exported before: the old instances are closed and answered, for the hub to revoke
   * them on every connection. A module that cannot be used throws HUB_ERR_SERVICE_LOAD and
   * changes nothing: the old services keep serving. Only the module itself is imported again,
   * not the modules it imports (ES modules are cached by URL).
   */
  async reloadModule(
    path: string,
    root: string,
  ): Promise<{ names: string[]; retired: HubService[] }> {
    const { classes, url } = await importServices(path, root, ++this.reloads);
    const named = classes.map((Class) => ({ Class, name: this.nameOf(Class) }));
    const before = this.fromModule.get(path) ?? [];
    for (const { name } of named) {
      if (this.classes.has(name) && !before.includes(name)) {
        throw new ZHubError(
          'HUB_ERR_SERVICE_LOAD',
          `${path} exports '${name}', which another module or the hub already provides`,
        );
      }
    }
    const retired: HubService[] = [];
    for (const [key, svc] of this.instances) {
      if (before.includes(svc.name)) {
        this.instances.delete(key);
        retired.push(svc);
      }
    }
    for (const name of before) {
      this.classes.delete(name);
      this.modules.delete(name);
    }
    for (const { Class, name } of named) {
      this.register(Class, name);
      this.modules.set(name, url);
    }
    this.fromModule.set(
      path,
      named.map((n) => n.name),
    );
    await this.closeAll(retired);
    return { names: named.map((n) => n.name), retired };
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
    const all = [...this.instances.values()];
    this.instances.clear();
    await this.closeAll(all);
  }

  private async closeAll(services: HubService[]): Promise<void> {
    for (const svc of services) {
      try {
        await svc.close();
      } catch (err) {
        this.log.error({ err, service: svc.name, monitor: svc.monitor }, 'service close failed');
      }
    }
  }
}
