import type { Logger } from '../shared/index.js';
import { ZHubError } from '../shared/index.js';
import { daemonKey, type Caller } from './hub-service.js';

/** How long a holder has to answer the liveness probe before a newcomer takes its name. */
const PROBE_MS = 3_000;

/** A refused second spool under a name, as the status page shows it on the holder's row. */
export interface DuplicateSeen {
  address: string;
  instance: string;
  at: number;
  count: number;
}

export interface ClaimHooks {
  /** Closes an older holder's connection (HUB_ERR_SUPERSEDED). */
  evict(old: Caller, by: Caller): void;
  /** Answers when the holder's connection answers a call, rejects when it does not in `ms`. */
  probe(holder: Caller, ms: number): Promise<unknown>;
  /** Tells the holder that a second spool tried its name (best effort). */
  tell(holder: Caller, dup: Caller): void;
  now(): number;
}

/**
 * One live delivery stream per (user, daemon name). The connection that last asked for its
 * marks or sent a batch holds the name. Another connection claiming it:
 *
 * - the same spool (instance) as the holder: the same daemon on a new connection (its old one
 *   is half-open, or it restarted): it takes over at once, the old one is closed
 *   (HUB_ERR_SUPERSEDED);
 * - another spool: the holder is probed with a call. When it answers it is alive, and the
 *   newcomer is refused with HUB_ERR_DUPLICATE_DAEMON naming the holder's address (a cloned
 *   machine, a copied configuration); the holder is told and its status row shows it. When it
 *   does not answer within 3 s it is taken for dead and closed, and the newcomer holds the name.
 *
 * Clients that never deliver (the CLI, a status probe) never claim, so any number of them may
 * share a name.
 */
export class DeliveryClaims {
  private readonly holders = new Map<string, Caller>();
  /** Refused duplicates per daemon key, for the status page. */
  private readonly duplicates = new Map<string, DuplicateSeen>();
  superseded = 0;
  refused = 0;

  constructor(
    private readonly log: Logger,
    private readonly hooks: ClaimHooks,
  ) {}

  /** Claims the caller's name; synchronous unless the holder has to be probed. */
  claim(caller: Caller): Promise<void> | undefined {
    const key = daemonKey(caller);
    const held = this.holders.get(key);
    if (held === caller) return undefined;
    if (held === undefined || (held.instance ?? '') === (caller.instance ?? '')) {
      this.take(key, caller, held);
      return undefined;
    }
    return this.hooks.probe(held, PROBE_MS).then(
      () => {
        if (this.holders.get(key) !== held) return this.claim(caller); // it left meanwhile
        this.refuse(key, held, caller);
      },
      () => {
        // No answer: a dead daemon's half-open connection. The newcomer takes over.
        if (this.holders.get(key) === held) this.take(key, caller, held);
        else return this.claim(caller);
      },
    );
  }

  /** The connection closed: it no longer holds its name. */
  release(caller: Caller): void {
    const key = daemonKey(caller);
    if (this.holders.get(key) === caller) this.holders.delete(key);
  }

  /** The last refused duplicate of a daemon's name, if any. */
  duplicateOf(caller: { user: string; daemon: string }): DuplicateSeen | undefined {
    return this.duplicates.get(daemonKey(caller));
  }

  private take(key: string, caller: Caller, held: Caller | undefined): void {
    this.holders.set(key, caller);
    this.duplicates.delete(key);
    if (held === undefined) return;
    this.superseded++;
    this.log.warn(
      { daemon: caller.daemon, user: caller.user, old: held.address, new: caller.address },
      'the daemon delivers from a new connection; closing the older one',
    );
    this.hooks.evict(held, caller);
  }

  private refuse(key: string, held: Caller, caller: Caller): never {
    this.refused++;
    const prev = this.duplicates.get(key);
    this.duplicates.set(key, {
      address: caller.address,
      instance: caller.instance ?? '',
      at: this.hooks.now(),
      count: (prev?.count ?? 0) + 1,
    });
    this.log.error(
      { daemon: caller.daemon, user: caller.user, live: held.address, refused: caller.address },
      'a second spool delivers under a live daemon name; refused',
    );
    this.hooks.tell(held, caller);
    throw new ZHubError(
      'HUB_ERR_DUPLICATE_DAEMON',
      `daemon '${caller.daemon}' is delivering from ${held.address} with another spool; give this one its own name (--name) or stop the other`,
      { data: { daemon: caller.daemon, liveAddress: held.address }, retryable: true },
    );
  }
}
