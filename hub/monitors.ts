import type { Store } from './store/store.js';

/** Which monitors (collectors) the hub knows. */
export interface MonitorDirectory {
  has(name: string): boolean | Promise<boolean>;
}

/** A fixed list, for embedding and tests. */
export class StaticMonitors implements MonitorDirectory {
  private readonly names: Set<string>;

  constructor(names: Iterable<string> = ['localhost']) {
    this.names = new Set(names);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  add(name: string): void {
    this.names.add(name);
  }
}

/** The collectors of the store (the default). */
export class StoreMonitors implements MonitorDirectory {
  constructor(private readonly store: Store) {}

  async has(name: string): Promise<boolean> {
    return (await this.store.model.getCollector(name)) !== undefined;
  }
}
