import type { Logger } from '../../shared/index.js';
import type { TemplateRecord } from '../../shared/index.js';
import type { ModelChange } from './model-schemas.js';

type Listener = (change: ModelChange) => void;

/** Templates written or removed: every collector's listeners hear of it. */
export interface TemplateChange {
  updated: TemplateRecord[];
  removed: string[];
}
type TemplateListener = (change: TemplateChange) => void;

/** Announces committed model changes to whoever watches a collector (its ConfigService). */
export class ModelChanges {
  private readonly byCollector = new Map<string, Set<Listener>>();
  private readonly observers = new Set<(changes: readonly ModelChange[]) => void>();
  private readonly templateListeners = new Set<TemplateListener>();
  private readonly templateObservers = new Set<TemplateListener>();

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

  /** Calls `fn` with every template change (any hub's); returns the unsubscribe function. */
  subscribeTemplates(fn: TemplateListener): () => void {
    this.templateListeners.add(fn);
    return () => this.templateListeners.delete(fn);
  }

  /** As observe, for template changes made on this hub. */
  observeTemplates(fn: TemplateListener): () => void {
    this.templateObservers.add(fn);
    return () => this.templateObservers.delete(fn);
  }

  /** Announces committed template changes; `remote`: made by another hub. */
  publishTemplates(change: TemplateChange, remote = false): void {
    if (change.updated.length === 0 && change.removed.length === 0) return;
    for (const fn of [...(remote ? [] : this.templateObservers), ...this.templateListeners]) {
      try {
        fn(change);
      } catch (err) {
        this.log.error({ err }, 'template change listener raised');
      }
    }
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
