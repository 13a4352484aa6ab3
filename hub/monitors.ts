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

/**
 * The collectors of the store (the default). A collector found is remembered for
 * `rememberMs` (1 s): a fleet reconnecting asks for the same few monitors thousands of times
 * (three services each), and one store read a second answers them. A collector removed is so
 * refused to new `getService` calls within that time; one not found is never remembered, so a
 * collector just added is found at once. Bounded: at most 10,000 names, forgotten all at once.
 */
export class StoreMonitors implements MonitorDirectory {
  private readonly found = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
    private readonly rememberMs = 1_000,
  ) {}

  has(name: string): boolean | Promise<boolean> {
    const until = this.found.get(name);
    if (until !== undefined && this.now() < until) return true;
    return this.lookUp(name);
  }

  private async lookUp(name: string): Promise<boolean> {
    const known = (await this.store.model.getCollector(name)) !== undefined;
    if (known) {
      if (this.found.size >= 10_000) this.found.clear();
      this.found.set(name, this.now() + this.rememberMs);
    } else this.found.delete(name);
    return known;
  }
}
