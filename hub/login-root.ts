import {
  argsCheck,
  AvatarContract,
  LOGIN_SERVICES_MAX,
  Referenceable,
  ZHubError,
} from '../shared/index.js';
import type { HubAvatar } from './hub-avatar.js';
import type { HubService } from './hub-service.js';
import type { Session } from './session.js';

/** What the login root needs from the hub. */
export interface LoginAuthority {
  login(session: Session, username: string, password: string, info: LoginInfo): Promise<HubAvatar>;
}

export interface LoginInfo {
  /** The daemon's name (default: the user name). */
  name?: string;
  /** The daemon's collector type, e.g. `port` (default: `unknown`). */
  type?: string;
  /**
   * The id of the daemon's spool (random, kept in the spool file). The hub keeps a delivery
   * mark per spool as well as per name, and tells two live spools under one name apart.
   */
  instance?: string;
}

const MAX_FIELD = 256;

/** True when `v` holds a control character (names end up in logs and on the status page). */
function hasControlChars(v: string): boolean {
  for (let i = 0; i < v.length; i++)
    if (v.charCodeAt(i) < 0x20 || v.charCodeAt(i) === 0x7f) return true;
  return false;
}

function optionalText(v: unknown, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_FIELD || hasControlChars(v)) {
    throw new ZHubError(
      'HUB_ERR_BAD_ARGUMENT',
      `${field} must be a string of 1 to ${MAX_FIELD} printable characters`,
    );
  }
  return v;
}

/**
 * The root object a connection sees before it logs in. Security: it has one remote method,
 * `login`; nothing else on the hub is reachable until that succeeds, because the avatar is
 * only exported as login's answer.
 */
export class LoginRoot extends Referenceable {
  constructor(
    private readonly authority: LoginAuthority,
    private readonly session: Session,
  ) {
    super();
  }

  remote_login(
    username: unknown,
    password: unknown,
    info?: unknown,
  ): Promise<HubAvatar | { avatar: HubAvatar; services: (HubService | null)[] }> {
    if (
      typeof username !== 'string' ||
      typeof password !== 'string' ||
      username.length > MAX_FIELD ||
      password.length > 1024
    ) {
      return Promise.reject(
        new ZHubError('HUB_ERR_BAD_ARGUMENT', 'login(username, password, info?) takes two strings'),
      );
    }
    if (info !== undefined && (info === null || typeof info !== 'object' || Array.isArray(info))) {
      return Promise.reject(new ZHubError('HUB_ERR_BAD_ARGUMENT', 'login info must be an object'));
    }
    const raw = (info ?? {}) as Record<string, unknown>;
    let checked: LoginInfo;
    let wanted: unknown[][] | undefined;
    try {
      checked = {
        name: optionalText(raw.name, 'info.name'),
        type: optionalText(raw.type, 'info.type'),
        instance: optionalText(raw.instance, 'info.instance'),
      };
      wanted = servicesAsked(raw.services);
    } catch (err) {
      return Promise.reject(err);
    }
    const login = this.authority.login(this.session, username, password, checked);
    return wanted === undefined ? login : login.then((avatar) => withServices(avatar, wanted));
  }
}

const checkGetService = argsCheck('getService', AvatarContract.methods.getService);

/** `info.services`: up to LOGIN_SERVICES_MAX lists of `getService` arguments, or absent. */
function servicesAsked(v: unknown): unknown[][] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > LOGIN_SERVICES_MAX || !v.every((e) => Array.isArray(e))) {
    throw new ZHubError(
      'HUB_ERR_BAD_ARGUMENT',
      `info.services must be a list of at most ${LOGIN_SERVICES_MAX} getService argument lists`,
      { data: { field: 'info.services' } },
    );
  }
  return v as unknown[][];
}

/**
 * The login's answer when services were asked for with it: the avatar and each service as
 * its `getService` would answer it, checked the same way — null where that would fail (the
 * daemon then calls `getService`, which says why).
 */
async function withServices(
  avatar: HubAvatar,
  wanted: unknown[][],
): Promise<{ avatar: HubAvatar; services: (HubService | null)[] }> {
  const services = await Promise.all(
    wanted.map(async (args) => {
      try {
        const [name, monitor, listener, options] = checkGetService([...args]) as Parameters<
          HubAvatar['remote_getService']
        >;
        return await avatar.remote_getService(name, monitor, listener, options);
      } catch {
        return null;
      }
    }),
  );
  return { avatar, services };
}
