import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Clock, Logger, TimerHandle } from '../../shared/index.js';
import type { UserChanges, UserStore } from './users-file.js';

/** Several writes of one save (the temporary file, the rename) settle into one reload. */
const SETTLE_MS = 100;

/**
 * Changes to the users file take effect at once: the file is watched (its folder, since a
 * save replaces it by a rename), and read again when it changes or on `reloadNow()` (SIGHUP).
 * What changed goes to `apply` (the hub closes the sessions of removed users and of users
 * given a new password). A file that cannot be read leaves the users as they were, and the
 * log says why.
 */
export class UsersWatch {
  private watcher: FSWatcher | undefined;
  private timer: TimerHandle | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly users: UserStore,
    private readonly apply: (changes: UserChanges) => void,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    const file = this.users.file;
    if (file === undefined) return;
    const name = basename(file);
    try {
      this.watcher = watch(dirname(file), (_event, changed) => {
        if (changed === name) this.soon();
      });
      this.watcher.on('error', (err) => this.log.error({ err, file }, 'users file watch failed'));
    } catch (err) {
      this.log.warn({ err, file }, 'cannot watch the users file; reload it with SIGHUP');
    }
  }

  /** Reads the file again now; resolves with what changed (undefined when it could not). */
  reloadNow(): Promise<UserChanges | undefined> {
    const next = this.chain.then(async () => {
      try {
        const changes = await this.users.reload();
        this.apply(changes);
        return changes;
      } catch (err) {
        this.log.error(
          { err, file: this.users.file },
          `users file not reloaded, the users stay as they were: ${(err as Error).message}`,
        );
        return undefined;
      }
    });
    this.chain = next;
    return next;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private soon(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.reloadNow();
    }, SETTLE_MS);
  }
}
