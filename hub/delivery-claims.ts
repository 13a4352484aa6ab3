import type { Logger } from '../shared/index.js';
import type { Caller } from './hub-service.js';

/**
 * One live delivery stream per (user, daemon name). A daemon's delivery marks are keyed by it:
 * two connections sending under one name would hide each other's items behind the marks and
 * lose them. The connection that last asked for its marks or sent a batch holds the name; the
 * older holder is closed with HUB_ERR_SUPERSEDED (the newest wins, so a daemon reconnecting
 * while the hub still holds its half-open connection gets in). Clients that never deliver
 * (the CLI, a status probe) never claim, so any number of them may share a name.
 */
export class DeliveryClaims {
  private readonly holders = new Map<string, Caller>();
  superseded = 0;

  constructor(
    private readonly log: Logger,
    /** Closes an older holder's connection. */
    private readonly evict: (old: Caller, by: Caller) => void,
  ) {}

  claim(caller: Caller): void {
    const key = `${caller.user}:${caller.daemon}`;
    const held = this.holders.get(key);
    if (held === caller) return;
    this.holders.set(key, caller);
    if (held === undefined) return;
    this.superseded++;
    this.log.warn(
      { daemon: caller.daemon, user: caller.user, old: held.address, new: caller.address },
      'a second connection delivers under this daemon name; closing the older one',
    );
    this.evict(held, caller);
  }

  /** The connection closed: it no longer holds its name. */
  release(caller: Caller): void {
    const key = `${caller.user}:${caller.daemon}`;
    if (this.holders.get(key) === caller) this.holders.delete(key);
  }
}
