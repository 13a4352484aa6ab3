import { TABLE_BOUNDS } from '../../shared/index.js';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/index.js';

export const SESSION_COOKIE = 'zhub_session';
const TTL_MS = 12 * 3600_000;
const MAX_SESSIONS = TABLE_BOUNDS.webSessions;

/**
 * Status-page logins: a random token in an HttpOnly, SameSite=Strict cookie, valid for 12
 * hours from its last use. Kept in memory (a hub restart logs operators out), at most 10,000
 * (the oldest go first).
 */
export class WebSessions {
  private readonly sessions = new Map<string, { user: string; until: number }>();

  constructor(private readonly clock: Clock) {}

  create(user: string): string {
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, { user, until: this.clock.now() + TTL_MS });
    if (this.sessions.size > MAX_SESSIONS)
      this.sessions.delete(this.sessions.keys().next().value as string);
    return token;
  }

  /** The user of a live session (and its life extended), or undefined. */
  user(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    const s = this.sessions.get(token);
    if (!s) return undefined;
    const now = this.clock.now();
    if (s.until < now) {
      this.sessions.delete(token);
      return undefined;
    }
    s.until = now + TTL_MS;
    return s.user;
  }

  /** Ends every session of `user` (removed, or its password changed). */
  endUser(user: string): number {
    let n = 0;
    for (const [token, s] of this.sessions) {
      if (s.user === user) {
        this.sessions.delete(token);
        n++;
      }
    }
    return n;
  }

  end(token: string | undefined): void {
    if (token !== undefined) this.sessions.delete(token);
  }
}

/** The value of cookie `name` in a Cookie header. */
export function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name)
      return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${TTL_MS / 1000}${secure ? '; Secure' : ''}`;
}
