import { AvatarContract, RemoteReference, Referenceable } from '../shared/index.js';
import type { HubService } from './hub-service.js';
import type { Session } from './session.js';

/** What the avatar needs from the hub. */
export interface ServiceBroker {
  getService(session: Session, name: string, monitor: string): Promise<HubService>;
  serviceNames(): string[];
  /** A resumption ticket for the session's user (undefined: the hub issues none). */
  issueTicket(session: Session): { ticket: string; expiresAt: number } | undefined;
}

/**
 * What a logged-in daemon holds (PB's avatar / perspective): ping, getService and a few
 * questions about itself. Its session fixes the caller's identity.
 */
export class HubAvatar extends Referenceable {
  /** Arguments checked before a method runs (names, the listener's kind). */
  static contract = AvatarContract;
  constructor(
    private readonly hub: ServiceBroker,
    private readonly session: Session,
  ) {
    super();
  }

  remote_ping(): string {
    return 'pong';
  }

  /**
   * The service `name` for `monitor`. A `listener` (a Referenceable on the daemon) is added to
   * the service's listeners until the connection drops.
   */
  async remote_getService(
    name: string,
    monitor: string,
    listener?: RemoteReference | null,
    options?: unknown,
  ): Promise<HubService> {
    const svc = await this.hub.getService(this.session, name, monitor);
    this.session.monitor = monitor;
    if (listener instanceof RemoteReference) {
      svc.addListener(listener, options);
      listener.notifyOnDisconnect(() => svc.removeListener(listener));
    }
    return svc;
  }

  /**
   * A resumption ticket: presented instead of the password at the next login (to this hub
   * after a restart, say), it costs the hub an HMAC instead of a scrypt. Null when the hub
   * issues none. Keep it in memory only.
   */
  remote_resumptionTicket(): { ticket: string; expiresAt: number } | null {
    return this.hub.issueTicket(this.session) ?? null;
  }

  remote_listServices(): string[] {
    return this.hub.serviceNames();
  }

  remote_whoami(): { user: string; daemon: string; type: string; address: string } {
    const s = this.session;
    return { user: s.user, daemon: s.daemon, type: s.type, address: s.address };
  }
}
