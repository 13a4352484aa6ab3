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

const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts']);

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
    const contract = Class.contract;
    const serviceName =
      name ??
      (Object.hasOwn(Class, 'serviceName') ? Class.serviceName : undefined) ??
      contract?.service ??
      Class.name;
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
