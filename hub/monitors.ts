/**
 * Which monitors (collectors) the hub knows. The hub data plane backs this with its store;
 * until then a fixed list serves, `localhost` by default (ZenHub's default monitor).
 */
export interface MonitorDirectory {
  has(name: string): boolean | Promise<boolean>;
}

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
