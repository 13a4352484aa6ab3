import type { Logger } from '../../shared/index.js';
import type { ModelChange } from './model-schemas.js';

type Listener = (change: ModelChange) => void;

/** Announces committed model changes to whoever watches a collector (its ConfigService). */
export class ModelChanges {
  private readonly byCollector = new Map<string, Set<Listener>>();
  private readonly observers = new Set<(changes: readonly ModelChange[]) => void>();

  constructor(private readonly log: Logger) {}

  /** Calls `fn` for every change to `collector`'s devices; returns the unsubscribe function. */
  subscribe(collector: string, fn: Listener): () => void {
    let set = this.byCollector.get(collector);
    if (!set) this.byCollector.set(collector, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.byCollector.delete(collector);
    };
  }

  /**
   * Calls `fn` with every batch of changes made on this hub (not with those another hub made
   * and this one only relays): how a shared store tells the other hubs.
   */
  observe(fn: (changes: readonly ModelChange[]) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** Announces committed changes; `remote`: made by another hub (observers are not told). */
  publish(changes: readonly ModelChange[], remote = false): void {
    if (!remote) {
      for (const fn of this.observers) {
        try {
          fn(changes);
        } catch (err) {
          this.log.error({ err }, 'model change observer raised');
        }
      }
    }
    for (const change of changes) {
      for (const fn of this.byCollector.get(change.collector) ?? []) {
        try {
          fn(change);
        } catch (err) {
          this.log.error({ err, collector: change.collector }, 'model change listener raised');
        }
      }
    }
  }
}
