import snmp from 'net-snmp';
import { severitySchema } from '../shared/index.js';
import { CollectorDaemon, type CollectorDaemonOptions } from './collector-daemon.js';
import { AUTH, PRIV } from './collectors/snmp-session.js';
import { trapEvent, type Notification, type TrapMapping } from './collectors/trap-events.js';

export interface TrapDaemonOptions extends Omit<CollectorDaemonOptions, 'collectors'> {
  /** UDP port to receive on (162 needs privileges; default 162). */
  trapPort?: number;
  /** Address to receive on (default all: traps come from the network). */
  trapAddress?: string;
}

/** An SNMPv3 user traps are accepted from (`zTrapV3Users` of the collector). */
interface TrapUser {
  name: string;
  authType?: string;
  authPassword?: string;
  privType?: string;
  privPassword?: string;
}

/**
 * zentrap: receives SNMP v1/v2c/v3 traps and informs (answered, so the sender stops
 * resending) on UDP, and turns each into an event of the device with the sender's address
 * (or of the address itself when no device has it), delivered through the spool like every
 * other event. What it accepts comes from its collector's properties, as the model holds
 * them: `zTrapCommunities` (default `["public"]`), `zTrapV3Users`
 * (`[{ name, authType, authPassword, privType, privPassword }]`) and `zTrapMappings`
 * (`{ "<trap OID>": { name, severity, summary } }`, over the standard traps). A notification
 * that fails those checks is counted and dropped.
 */
export class TrapDaemon extends CollectorDaemon {
  private receiver: { close(cb?: () => void): void; getAuthorizer(): Authorizer } | undefined;
  private mappings: Record<string, TrapMapping> = {};
  private readonly byAddress = new Map<string, string>();
  private indexed = -1;
  readonly trapStats = { received: 0, refused: 0, unknownSenders: 0 };

  constructor(private readonly trapOptions: TrapDaemonOptions) {
    super({ ...trapOptions, type: trapOptions.type ?? 'trap', collectors: [] });
  }

  override async startCollecting(): Promise<void> {
    this.receiver = snmp.createReceiver(
      {
        port: this.trapOptions.trapPort ?? 162,
        ...(this.trapOptions.trapAddress ? { address: this.trapOptions.trapAddress } : {}),
        transport: 'udp4',
        includeAuthentication: true,
      },
      (err: Error | null, n: Notification | undefined) => this.received(err, n),
    ) as TrapDaemon['receiver'];
    this.configureAuthorizer();
    await super.startCollecting();
  }

  override async stop(): Promise<void> {
    const r = this.receiver;
    this.receiver = undefined;
    if (r) await new Promise<void>((resolve) => r.close(() => resolve()));
    await super.stop();
  }

  /** The device that has `address`, if any. */
  deviceAt(address: string): string | undefined {
    if (this.indexed !== this.devicesVersion) {
      this.byAddress.clear();
      for (const d of this.devices.values()) this.byAddress.set(d.address, d.id);
      this.indexed = this.devicesVersion;
    }
    return this.byAddress.get(address);
  }

  protected override figures(): Record<string, number> {
    return {
      ...super.figures(),
      trapsReceived: this.trapStats.received,
      trapsRefused: this.trapStats.refused,
    };
  }

  protected override applyProperties(props: Record<string, unknown>): void {
    super.applyProperties(props);
    this.mappings = {};
    const m = this.properties.zTrapMappings;
    if (m !== null && typeof m === 'object' && !Array.isArray(m)) {
      for (const [oid, v] of Object.entries(m as Record<string, unknown>)) {
        const e = v as Partial<TrapMapping> | null;
        if (e === null || typeof e !== 'object' || typeof e.name !== 'string') continue;
        const severity = severitySchema.safeParse(e.severity);
        this.mappings[oid.replace(/^\./, '')] = {
          name: e.name,
          severity: severity.success ? severity.data : 2,
          ...(typeof e.summary === 'string' ? { summary: e.summary } : {}),
          ...(typeof e.clears === 'string' ? { clears: e.clears } : {}),
        };
      }
    }
    this.configureAuthorizer();
  }

  private configureAuthorizer(): void {
    const auth = this.receiver?.getAuthorizer();
    if (!auth) return;
    const raw = this.properties.zTrapCommunities;
    const communities = Array.isArray(raw)
      ? raw.filter((c): c is string => typeof c === 'string' && c !== '')
      : ['public'];
    for (const c of auth.getCommunities()) if (!communities.includes(c)) auth.deleteCommunity(c);
    for (const c of communities) auth.addCommunity(c);
    for (const u of auth.getUsers()) auth.deleteUser(u.name);
    const users = this.properties.zTrapV3Users;
    for (const u of Array.isArray(users) ? (users as TrapUser[]) : []) {
      const user = v3User(u);
      if (user) auth.addUser(user);
      else this.log.warn({ user: u?.name }, 'zTrapV3Users: an entry that cannot work is ignored');
    }
  }

  private received(err: Error | null, n: Notification | undefined): void {
    if (err || !n) {
      // A wrong community or user, a malformed packet: never the packet's content in the log.
      this.trapStats.refused++;
      this.log.debug({ reason: err?.message }, 'notification refused');
      return;
    }
    this.trapStats.received++;
    const device = this.deviceAt(n.rinfo.address);
    if (device === undefined) this.trapStats.unknownSenders++;
    const event = trapEvent(n, device ?? n.rinfo.address, this.mappings);
    if (event) this.sendEvent(event);
  }
}

interface Authorizer {
  getCommunities(): string[];
  addCommunity(c: string): void;
  deleteCommunity(c: string): void;
  getUsers(): { name: string }[];
  addUser(u: snmp.User): void;
  deleteUser(name: string): void;
}

function v3User(u: TrapUser): snmp.User | undefined {
  if (u === null || typeof u !== 'object' || typeof u.name !== 'string' || u.name === '')
    return undefined;
  if (!u.authPassword) return { name: u.name, level: snmp.SecurityLevel.noAuthNoPriv };
  const authProtocol = AUTH[u.authType ?? 'SHA'];
  if (authProtocol === undefined) return undefined;
  if (!u.privPassword)
    return {
      name: u.name,
      level: snmp.SecurityLevel.authNoPriv,
      authProtocol,
      authKey: u.authPassword,
    };
  const privProtocol = PRIV[u.privType ?? 'AES'];
  if (privProtocol === undefined) return undefined;
  return {
    name: u.name,
    level: snmp.SecurityLevel.authPriv,
    authProtocol,
    authKey: u.authPassword,
    privProtocol,
    privKey: u.privPassword,
  };
}
