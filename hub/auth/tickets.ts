import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../shared/index.js';
import { ZHubError } from '../../shared/index.js';

/** What a resumption ticket looks like: never a password or a machine token. */
export const TICKET = /^zr_[A-Za-z0-9_-]{1,700}\.[A-Za-z0-9_-]{43}$/;

/** How long a ticket lets a daemon log in again without its password (default 24 h). */
export const DEFAULT_TICKET_TTL_MS = 24 * 3_600_000;

/** The key's file in a data directory (mode 0600; delete it to revoke every ticket). */
export const TICKET_KEY_FILE = 'ticket.key';

/** A short fingerprint of a user's current credential: a changed password voids its tickets. */
export function credentialFingerprint(credential: string): string {
  return createHash('sha256').update(credential).digest('base64url').slice(0, 22);
}

/**
 * Resumption tickets: after a password login a daemon may ask for one (`resumptionTicket()`
 * on its avatar) and present it instead of its password when it logs in again — to this hub
 * after a restart, or to another hub sharing the data directory's key. Checking one costs an
 * HMAC, not a scrypt, so a fleet with passwords comes back from a hub restart as fast as one
 * with machine tokens. A ticket names its user, a fingerprint of the user's credential and an
 * expiry, signed with HMAC-SHA256 under a key kept in the data directory: it stops working
 * when it expires, when the user's password changes or the user is removed, and — for every
 * ticket at once — when the key file is deleted. Daemons keep tickets in memory only.
 */
export class Tickets {
  constructor(
    private readonly key: Buffer,
    private readonly clock: Clock,
    readonly ttlMs = DEFAULT_TICKET_TTL_MS,
  ) {
    if (key.length < 32) throw new Error('a ticket key has at least 32 bytes');
  }

  /** The key of `dataDir` (made, 32 random bytes with mode 0600, the first time). */
  static async inDataDir(dataDir: string, clock: Clock, ttlMs?: number): Promise<Tickets> {
    const path = join(dataDir, TICKET_KEY_FILE);
    let key: Buffer;
    try {
      key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      key = randomBytes(32);
      await mkdir(dataDir, { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, `${key.toString('base64url')}\n`, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, path);
    }
    if (key.length < 32)
      throw new ZHubError('HUB_ERR_CONFIG', `${path} holds no ticket key: delete it to make one`);
    return new Tickets(key, clock, ttlMs);
  }

  issue(user: string, fingerprint: string): { ticket: string; expiresAt: number } {
    const expiresAt = this.clock.now() + this.ttlMs;
    const payload = Buffer.from(JSON.stringify([user, fingerprint, expiresAt])).toString(
      'base64url',
    );
    return { ticket: `zr_${payload}.${this.sign(payload)}`, expiresAt };
  }

  /** The user and credential fingerprint of a genuine, unexpired ticket; else undefined. */
  open(ticket: string): { user: string; fingerprint: string } | undefined {
    if (!TICKET.test(ticket)) return undefined;
    const dot = ticket.indexOf('.');
    const payload = ticket.slice(3, dot);
    // Compared as text: a MAC spelt another way (base64's spare low bits in its last
    // character) decodes to the same bytes but is not the ticket that was issued.
    const mac = Buffer.from(ticket.slice(dot + 1), 'latin1');
    const want = Buffer.from(this.sign(payload), 'latin1');
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(fields) || fields.length !== 3) return undefined;
    const [user, fingerprint, expiresAt] = fields as unknown[];
    if (typeof user !== 'string' || typeof fingerprint !== 'string') return undefined;
    if (typeof expiresAt !== 'number' || expiresAt <= this.clock.now()) return undefined;
    return { user, fingerprint };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
