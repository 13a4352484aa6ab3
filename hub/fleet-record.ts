import type { Clock, Logger } from '../shared/index.js';
import { daemonKey } from './hub-service.js';
import type { Session } from './session.js';
import type { FleetStore } from './store/store.js';

/** Daemons that left, kept for the status page (greyed): the newest this many. */
const DEPARTED_MAX = 1_000;

/**
 * What the status page shows of a daemon that left: a copy of its session's figures, not the
 * session, whose broker would keep its transport, socket and tables alive (a thousand departed
 * daemons held some 6 MB of dead connections, copied by every collection of the young heap).
 */
export interface DepartedDaemon {
  readonly daemon: string;
  readonly type: string;
  readonly monitor: string;
  readonly user: string;
  readonly address: string;
  readonly instance: string;
  readonly loggedInAt: number | undefined;
  readonly callsServed: number;
}

/**
 * What the hub remembers of its daemons beyond their connections: those that left recently
 * (newest last; the oldest forgotten past 1,000), and, on a store shared by several hubs, the
 * fleet rows (joined on a daemon's first service, left when it disconnects).
 */
export class FleetRecord {
  readonly departed = new Map<string, { record: DepartedDaemon; leftAt: number; code: number }>();

  constructor(
    private readonly fleet: FleetStore | undefined,
    private readonly hubName: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The daemon got its first service, of `monitor`: on a shared store, it joins the fleet. */
  joined(session: Session, monitor: string): void {
    if (this.fleet === undefined || session.inFleet) return;
    session.inFleet = true;
    this.fleet
      .joined({
        key: daemonKey(session),
        daemon: session.daemon,
        user: session.user,
        type: session.type,
        monitor,
        address: session.address,
        hub: this.hubName,
        connected: true,
        connectedSince: session.loggedInAt ?? this.clock.now(),
      })
      .catch((err: unknown) => this.log.error({ err }, 'could not record a daemon in the fleet'));
  }

  /** The daemon's connection closed with `code`. */
  left(session: Session, code: number, err: unknown): void {
    if (session.inFleet) {
      this.fleet
        ?.left(daemonKey(session), this.hubName, this.clock.now())
        .catch((e: unknown) => this.log.error({ err: e }, 'could not record a daemon leaving'));
    }
    if (!session.loggedIn) return;
    const key = daemonKey(session);
    this.departed.delete(key);
    const record: DepartedDaemon = {
      daemon: session.daemon,
      type: session.type,
      monitor: session.monitor,
      user: session.user,
      address: session.address,
      instance: session.instance,
      loggedInAt: session.loggedInAt,
      callsServed: session.broker.stats.callsServed,
    };
    this.departed.set(key, { record, leftAt: this.clock.now(), code });
    if (this.departed.size > DEPARTED_MAX)
      this.departed.delete(this.departed.keys().next().value as string);
    this.log.info({ daemon: session.daemon, user: session.user, code, err }, 'daemon disconnected');
  }
}
