import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../shared/index.js';
import { TABLE_BOUNDS, ZHubError } from '../../shared/index.js';
import type { LoginGuard } from '../auth/login-guard.js';
import type { Role, UserStore } from '../auth/users-file.js';
import { cookie, SESSION_COOKIE, WebSessions } from './web-sessions.js';

const CACHE_MAX = TABLE_BOUNDS.apiAuthCache;
const CACHE_TTL_MS = 60_000;

/**
 * HTTP Basic authentication against the hub's users, with the same failure rate limit as
 * daemon logins. A verified (user, password) pair is remembered for a minute under a hash, so
 * a dashboard polling every few seconds does not pay for scrypt on every request.
 */
export class ApiAuth {
  private readonly verified = new Map<string, { user: string; until: number }>();

  constructor(
    private readonly users: UserStore,
    private readonly limiter: LoginGuard,
    private readonly clock: Clock,
    readonly web: WebSessions = new WebSessions(clock),
  ) {}

  /**
   * The authenticated user name, from the status page's session cookie or HTTP Basic
   * credentials; throws HUB_ERR_AUTH_FAILED or HUB_ERR_RATE_LIMITED.
   */
  async check(req: FastifyRequest): Promise<string> {
    const fromCookie = this.web.user(cookie(req.headers.cookie, SESSION_COOKIE));
    if (fromCookie !== undefined) return fromCookie;
    const header = req.headers.authorization;
    const creds = header?.startsWith('Basic ')
      ? Buffer.from(header.slice(6), 'base64').toString('utf8')
      : undefined;
    const sep = creds?.indexOf(':') ?? -1;
    if (creds === undefined || sep < 1)
      throw new ZHubError('HUB_ERR_AUTH_FAILED', 'authentication required');
    return this.verify(req.ip, creds.slice(0, sep), creds.slice(sep + 1));
  }

  /** The role of an authenticated user (admin for users of files without roles). */
  roleOf(user: string): Role {
    return this.users.grant(user)?.role ?? 'admin';
  }

  /** Forgets what was verified for `users` and ends their status-page sessions (revoked). */
  forget(users: readonly string[]): void {
    const gone = new Set(users);
    for (const [key, v] of this.verified) if (gone.has(v.user)) this.verified.delete(key);
    for (const u of gone) this.web.endUser(u);
  }

  /** Checks a user name and password (cached for a minute once verified), rate-limited per address. */
  async verify(ip: string, user: string, password: string): Promise<string> {
    const key = createHash('sha256').update(`${user}\u0000${password}`).digest('base64');
    const now = this.clock.now();
    const known = this.verified.get(key);
    if (known !== undefined && known.until > now && this.users.has(user)) return user;
    this.limiter.check(ip, user);
    if (!(await this.users.verify(user, password))) {
      this.limiter.fail(ip, user);
      throw new ZHubError('HUB_ERR_AUTH_FAILED', 'unknown user or wrong password');
    }
    this.limiter.succeed(ip, user);
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(key, { user, until: now + CACHE_TTL_MS });
    return user;
  }
}

const STATUS: Record<string, number> = {
  HUB_ERR_BAD_ARGUMENT: 400,
  HUB_ERR_AUTH_FAILED: 401,
  HUB_ERR_FORBIDDEN: 403,
  HUB_ERR_NOT_FOUND: 404,
  HUB_ERR_CONFLICT: 409,
  HUB_ERR_TOO_LARGE: 413,
  HUB_ERR_RATE_LIMITED: 429,
  HUB_ERR_STORE: 503,
  HUB_ERR_SHUTTING_DOWN: 503,
};

/**
 * Sends an error as `{ error: { code, message, data } }` with the status its code implies.
 * A 401 carries a Basic challenge only for clients that spoke Basic (`challenge`): a browser
 * would otherwise pop up its own login dialog over the status page.
 */
export function sendError(reply: FastifyReply, err: unknown, challenge = false): FastifyReply {
  if (err instanceof ZHubError) {
    const status = STATUS[err.code] ?? 500;
    if (status === 401 && challenge) void reply.header('www-authenticate', 'Basic realm="zhub"');
    return reply
      .code(status)
      .send({ error: { code: err.code, message: err.message, data: err.data } });
  }
  const e = err as { statusCode?: number; message?: string; code?: string };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // fastify's own client errors: malformed JSON, body too large, bad content type.
    const code = e.statusCode === 413 ? 'HUB_ERR_TOO_LARGE' : 'HUB_ERR_BAD_ARGUMENT';
    return reply.code(e.statusCode).send({ error: { code, message: e.message ?? 'bad request' } });
  }
  reply.log.error({ err }, 'API request failed');
  return reply
    .code(500)
    .send({ error: { code: 'HUB_ERR_REMOTE', message: 'internal error; see the hub log' } });
}
