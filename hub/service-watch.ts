import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock, Logger, TimerHandle } from '../shared/index.js';
import { isServiceModule } from './service-registry.js';

/** What the watcher reloads through (the hub). */
export interface ModuleReloader {
  reloadServiceModule(path: string, root: string): Promise<boolean>;
}

/** An editor's save is often several writes: a module is reloaded once they have settled. */
export const RELOAD_SETTLE_MS = 150;

/**
 * `zhub hub --services DIR --watch`: watches the service folders and reloads a module when it
 * changes or appears. A module deleted is not unloaded: its services keep serving until the
 * hub restarts (a daemon relying on them is not cut off by a stray `rm`).
 */
export class ServiceWatch {
  private readonly watchers: FSWatcher[] = [];
  private readonly due = new Map<string, TimerHandle>();
  /** Reloads run one at a time, in the order the changes settled. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dirs: string[],
    private readonly reloader: ModuleReloader,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settleMs = RELOAD_SETTLE_MS,
  ) {}

  start(): void {
    for (const dir of this.dirs) {
      const root = resolve(dir);
      const w = watch(root, (_event, file) => {
        if (typeof file === 'string' && isServiceModule(file)) this.changed(join(root, file), root);
      });
      w.on('error', (err) => this.log.error({ err, dir: root }, 'service folder watch failed'));
      this.watchers.push(w);
    }
    this.log.info({ dirs: this.dirs }, 'watching service modules; a changed one is reloaded');
  }

  /** Resolves once every reload started so far has run (for tests and shutdown). */
  settled(): Promise<unknown> {
    return this.chain;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.splice(0)) w.close();
    for (const t of this.due.values()) this.clock.clearTimeout(t);
    this.due.clear();
  }

  private changed(path: string, root: string): void {
    const pending = this.due.get(path);
    if (pending !== undefined) this.clock.clearTimeout(pending);
    this.due.set(
      path,
      this.clock.setTimeout(() => {
        this.due.delete(path);
        if (this.closed) return;
        if (!existsSync(path)) {
          this.log.warn(
            { module: path },
            'service module removed; its services serve until restart',
          );
          return;
        }
        this.chain = this.chain.then(() => this.reloader.reloadServiceModule(path, root));
      }, this.settleMs),
    );
  }
}
