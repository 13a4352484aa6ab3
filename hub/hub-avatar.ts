import { AvatarContract, RemoteReference, Referenceable } from '../shared/index.js';
import type { HubService } from './hub-service.js';
import type { Session } from './session.js';

/** What the avatar needs from the hub. */
export interface ServiceBroker {
  getService(session: Session, name: string, monitor: string): Promise<HubService>;
  serviceNames(): string[];
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

  remote_listServices(): string[] {
    return this.hub.serviceNames();
  }

  remote_whoami(): { user: string; daemon: string; type: string; address: string } {
    const s = this.session;
    return { user: s.user, daemon: s.daemon, type: s.type, address: s.address };
  }
}
