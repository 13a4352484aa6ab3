import type { Clock, HubLimits } from '../../shared/index.js';
import { ZHubError } from '../../shared/index.js';
import { LoginLimiter } from './login-limiter.js';

/**
 * Failed-login limits for daemon logins and the HTTP API alike, at two grains: per (address,
 * user) — `maxLoginFailures` in the window, so one user's wrong password locks out only that
 * user from that address — and per address — `maxLoginFailuresPerAddress`, far higher, against
 * guessing across many user names. Refused attempts are answered HUB_ERR_RATE_LIMITED with
 * `data.retryAfterMs`, before any password is checked.
 */
export class LoginGuard {
  private readonly perUser: LoginLimiter;
  private readonly perAddress: LoginLimiter;

  constructor(clock: Clock, limits: HubLimits) {
    this.perUser = new LoginLimiter(
      clock,
      limits.maxLoginFailures,
      limits.loginFailureWindowMs,
      limits.loginLimiterEntries,
    );
    this.perAddress = new LoginLimiter(
      clock,
      limits.maxLoginFailuresPerAddress,
      limits.loginFailureWindowMs,
      limits.loginLimiterEntries,
    );
  }

  /** 0 when `user` may try from `address` now, else the ms to wait. */
  retryAfter(address: string, user: string): number {
    return Math.max(
      this.perUser.retryAfter(key(address, user)),
      this.perAddress.retryAfter(address),
    );
  }

  /** Throws HUB_ERR_RATE_LIMITED when `user` may not try from `address` now. */
  check(address: string, user: string): void {
    const wait = this.retryAfter(address, user);
    if (wait > 0) {
      throw new ZHubError(
        'HUB_ERR_RATE_LIMITED',
        `rate limited: too many failed logins from ${address}; retry in ${Math.ceil(wait / 1000)} s`,
        { data: { retryAfterMs: wait }, retryable: true },
      );
    }
  }

  fail(address: string, user: string): void {
    this.perUser.fail(key(address, user));
    this.perAddress.fail(address);
  }

  /** A success forgets that user's failures from the address (not the address's own count). */
  succeed(address: string, user: string): void {
    this.perUser.succeed(key(address, user));
  }
}

const key = (address: string, user: string): string => `${address}\u0000${user.slice(0, 64)}`;
