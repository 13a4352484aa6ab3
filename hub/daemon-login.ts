import type { Clock, HubLimits, Logger } from '../shared/index.js';
import { CloseCode, ZHubError } from '../shared/index.js';
import type { LoginGuard } from './auth/login-guard.js';
import type { UpgradeLimiter } from './auth/upgrade-limiter.js';
import type { UserStore } from './auth/users-file.js';
import type { LoginInfo } from './login-root.js';
import type { Session } from './session.js';

/**
 * A daemon's login: the failed-login limits (per address, and per connection, which is closed
 * after `maxLoginFailuresPerConnection`), the password check, and the session's identity from
 * then on. One answer for an unknown user and a wrong password: no oracle for user names.
 */
export class DaemonLogin {
  constructor(
    private readonly users: UserStore,
    private readonly limiter: LoginGuard,
    private readonly upgrades: UpgradeLimiter,
    private readonly limits: HubLimits,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Logs `session` in, or throws (HUB_ERR_RATE_LIMITED, HUB_ERR_AUTH_FAILED, …). */
  async login(
    session: Session,
    username: string,
    password: string,
    info: LoginInfo,
  ): Promise<void> {
    if (session.loggedIn)
      throw new ZHubError('HUB_ERR_ALREADY_LOGGED_IN', 'this connection is already logged in');
    this.limiter.check(session.address, username);
    const ok = await this.users.verify(username, password);
    if (session.broker.closed)
      throw new ZHubError('HUB_ERR_CONNECTION_LOST', 'connection closed during login');
    if (!ok) {
      this.limiter.fail(session.address, username);
      session.failedLogins++;
      this.log.warn({ user: username.slice(0, 64), peer: session.address }, 'failed login');
      if (session.failedLogins >= this.limits.maxLoginFailuresPerConnection) {
        // Answer first, then hang up: the client learns why.
        setImmediate(() =>
          session.broker.abort(
            'HUB_ERR_AUTH_FAILED',
            CloseCode.AUTH_FAILED,
            'too many failed logins',
          ),
        );
      }
      throw new ZHubError('HUB_ERR_AUTH_FAILED', 'unknown user or wrong password');
    }
    this.limiter.succeed(session.address, username);
    this.upgrades.settled(session.address);
    const grant = this.users.grant(username);
    session.user = username;
    session.role = grant?.role ?? 'admin';
    session.monitors = grant?.monitors;
    session.daemon = info.name ?? username;
    session.type = info.type ?? 'unknown';
    session.instance = info.instance ?? '';
    session.loggedInAt = this.clock.now();
    this.log.info(
      { user: username, daemon: session.daemon, type: session.type, peer: session.address },
      'daemon logged in',
    );
  }
}
