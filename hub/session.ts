import type { Broker } from '../shared/index.js';
import type { Caller } from './hub-service.js';
import type { Role } from './auth/users-file.js';

/** One daemon connection: who it is once logged in, and its broker. */
export class Session implements Caller {
  user = '';
  daemon = '';
  type = '';
  /** The daemon's spool id, given at login ('' for clients without a spool). */
  instance = '';
  /** The monitor of the last service this daemon asked for. */
  monitor = '';
  /** Written to a shared store's fleet (on its first service). */
  inFleet = false;
  loggedInAt: number | undefined;
  /** The user's role and a collector's monitors (undefined: all), from the users file at login. */
  role: Role = 'admin';
  monitors: readonly string[] | undefined;
  failedLogins = 0;
  broker!: Broker;

  constructor(
    readonly id: number,
    readonly address: string,
    readonly connectedAt: number,
  ) {}

  get loggedIn(): boolean {
    return this.loggedInAt !== undefined;
  }
}
