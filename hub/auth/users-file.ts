import { credentialFingerprint, TICKET, type Tickets } from './tickets.js';
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { TABLE_BOUNDS, ZHubError } from '../../shared/index.js';
import {
  hashPassword,
  randomPassword,
  verifyPassword,
  type PasswordHash,
} from './password-hash.js';

const hashSchema = z.object({
  salt: z.string().min(1),
  hash: z.string().min(1),
  N: z
    .number()
    .int()
    .min(1024)
    .max(2 ** 20),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
});

/** What a user may do (see docs/operations.md#roles). Users of files without roles are admins. */
export const ROLES = ['admin', 'operator', 'collector'] as const;
export type Role = (typeof ROLES)[number];

/** A machine token: `zt_` and 43 base64url characters (256 random bits). */
export const TOKEN = /^zt_[A-Za-z0-9_-]{43}$/;

/**
 * A user has a password (a salted scrypt hash: slow on purpose, for what people choose) or a
 * machine token (256 random bits, kept as its SHA-256: guessing it is hopeless, so checking it
 * needs no slow hash, and a fleet of collectors reconnecting costs microseconds each).
 */
const credentialSchema = z.union([
  hashSchema.extend({ token: z.undefined().optional() }),
  z.object({ token: z.string().regex(/^[0-9a-f]{64}$/) }),
]);

const userSchema = z.intersection(
  credentialSchema,
  z.object({
    role: z.enum(ROLES).optional(),
    /** A collector's monitors; none: every monitor. */
    monitors: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/))
      .max(1000)
      .optional(),
  }),
);

// Version 2 holds roles; a zhub that knows only version 1 refuses it rather than taking every
// user for an admin.
const fileSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  users: z.record(z.string(), userSchema),
});

type UserEntry = z.infer<typeof userSchema>;

/** A user's role and, for a collector, the monitors it may use (undefined: all). */
export interface Grant {
  role: Role;
  monitors: readonly string[] | undefined;
}

/** Successful logins remembered (see UserStore.verified). */
const MAX_REMEMBERED = TABLE_BOUNDS.rememberedLogins;

/** What a reload of the users file changed. */
export interface UserChanges {
  added: string[];
  removed: string[];
  /** Users whose password changed: their sessions end as a removed user's do. */
  changed: string[];
}

// One-shot: no Hash object per token check (a storm checks thousands in seconds).
const sha256 = (s: string): string => hash('sha256', s, 'hex');

/** Compared against when no token user matches, so that a miss costs what a hit does. */
const DECOY_TOKEN = sha256(`zt_${randomBytes(32).toString('base64url')}`);

/** What identifies a user's secret: its token hash, or its scrypt salt and hash. */
function credentialOf(u: UserEntry): string {
  return u.token !== undefined ? `t:${u.token}` : `s:${u.salt}:${u.hash}`;
}

/** User names: what an operator can type and a log line can show safely. */
export const USER_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** The users file's name in a data directory. */
export const USERS_FILE = 'hubpasswd.json';

/** Where the users file lives when not given: beside the data. */
export function defaultUsersFile(dataDir: string): string {
  return resolve(dataDir, USERS_FILE);
}

/**
 * The hub's credentials (ZenHub's hubpasswd, but holding salted scrypt hashes, never
 * passwords). Kept in memory; `save()` writes the file atomically with mode 0600.
 */
export class UserStore {
  private readonly users = new Map<string, UserEntry>();
  // Verifying an unknown user costs the same as a known one: no timing oracle for names.
  private readonly decoy: Promise<PasswordHash> = hashPassword(randomPassword());
  /**
   * Logins that succeeded, so a reconnect storm of thousands of daemons does not cost one
   * scrypt (60-100 ms of CPU) each. Keyed by an HMAC of user and password under a key made
   * fresh in each process and never stored; the value is the hash it was checked against, so
   * changing or removing the user forgets it. Only successes are kept: a wrong password always
   * pays the full price (and the login rate limit). Bounded; oldest forgotten first.
   */
  private readonly verified = new Map<string, UserEntry>();
  private readonly verifiedKey = randomBytes(32);
  readonly stats = { hashChecks: 0, remembered: 0, tokenChecks: 0, ticketChecks: 0 };
  private tickets: Tickets | undefined;

  constructor(private readonly path?: string) {}

  /** Loads `path`. Throws HUB_ERR_USERS_FILE when it is unreadable or malformed. */
  static async load(path: string): Promise<UserStore> {
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_USERS_FILE',
        `users file ${path} is unreadable or malformed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const store = new UserStore(path);
    for (const [name, hash] of Object.entries(parsed.users)) store.users.set(name, hash);
    return store;
  }

  /**
   * Loads `path`, or, when it does not exist, makes a store with user `admin` and a random
   * password, not yet saved: the caller saves it once it can show the password (the hub, after
   * it is listening), so a first start that fails never leaves a file whose password nobody
   * saw. `generatedPassword` is set only then.
   */
  static async open(path: string): Promise<{ store: UserStore; generatedPassword?: string }> {
    try {
      return { store: await UserStore.load(path) };
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code !== 'ENOENT') throw err;
    }
    const store = new UserStore(path);
    const generatedPassword = randomPassword();
    await store.set('admin', generatedPassword);
    return { store, generatedPassword };
  }

  /** The file this store is kept in, if any. */
  get file(): string | undefined {
    return this.path;
  }

  /**
   * Reads the file again and takes what it says now: answers who was added, removed, or had
   * a new password. Throws HUB_ERR_USERS_FILE (and keeps the users as they were) when the
   * file is unreadable or malformed.
   */
  async reload(): Promise<UserChanges> {
    if (this.path === undefined) return { added: [], removed: [], changed: [] };
    const fresh = await UserStore.load(this.path);
    const changes: UserChanges = { added: [], removed: [], changed: [] };
    for (const [name, hash] of this.users) {
      const now = fresh.users.get(name);
      if (now === undefined) changes.removed.push(name);
      else if (
        credentialOf(now) !== credentialOf(hash) ||
        (now.role ?? 'admin') !== (hash.role ?? 'admin') ||
        JSON.stringify(now.monitors ?? null) !== JSON.stringify(hash.monitors ?? null)
      )
        changes.changed.push(name);
    }
    for (const name of fresh.users.keys()) if (!this.users.has(name)) changes.added.push(name);
    for (const name of [...changes.removed, ...changes.changed]) this.users.delete(name);
    for (const [name, hash] of fresh.users) if (!this.users.has(name)) this.users.set(name, hash);
    return changes;
  }

  list(): string[] {
    return [...this.users.keys()].sort();
  }

  has(name: string): boolean {
    return this.users.has(name);
  }

  /** The user's role and scope, or undefined for an unknown user. */
  grant(name: string): Grant | undefined {
    const u = this.users.get(name);
    return u === undefined ? undefined : { role: u.role ?? 'admin', monitors: u.monitors };
  }

  /** Sets a user's role (and a collector's monitors; none: all), keeping its password. */
  setGrant(name: string, role: Role, monitors?: readonly string[]): void {
    const u = this.users.get(name);
    if (u === undefined) throw new ZHubError('HUB_ERR_NOT_FOUND', `no user '${name}'`);
    if (role !== 'collector' && monitors !== undefined && monitors.length > 0)
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'only collector users are scoped to monitors');
    const next: UserEntry = { ...u, role };
    if (role === 'collector' && monitors !== undefined && monitors.length > 0)
      next.monitors = [...monitors];
    else delete next.monitors;
    userSchema.parse(next);
    this.users.set(name, next);
  }

  async set(name: string, password: string): Promise<void> {
    if (!USER_NAME.test(name)) {
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'user names are 1-64 letters, digits or _ . @ -');
    }
    if (password.length < 8 || password.length > 1024) {
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'passwords are 8 to 1024 characters');
    }
    if (password.startsWith('zt_') || password.startsWith('zr_')) {
      throw new ZHubError(
        'HUB_ERR_BAD_ARGUMENT',
        "passwords may not start with 'zt_' or 'zr_' (tokens and resumption tickets do)",
      );
    }
    const before = this.users.get(name);
    const hash = await hashPassword(password);
    // A new password keeps the user's role and scope.
    this.users.set(name, {
      ...hash,
      ...(before?.role ? { role: before.role } : {}),
      ...(before?.monitors ? { monitors: before.monitors } : {}),
    });
  }

  remove(name: string): boolean {
    return this.users.delete(name);
  }

  /**
   * Gives `name` a new machine token (keeping its role) and answers it: shown once, kept only
   * as its SHA-256. For collectors: a token is checked in microseconds, a password in ~60 ms.
   */
  setToken(name: string): string {
    if (!USER_NAME.test(name)) {
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'user names are 1-64 letters, digits or _ . @ -');
    }
    const token = `zt_${randomBytes(32).toString('base64url')}`;
    const before = this.users.get(name);
    this.users.set(name, {
      token: sha256(token),
      ...(before?.role ? { role: before.role } : {}),
      ...(before?.monitors ? { monitors: before.monitors } : {}),
    });
    return token;
  }

  /**
   * True only for a known user with the right password or token. A token-shaped secret
   * (`zt_…`) is checked by its SHA-256, against a decoy for unknown users and password users
   * alike (no password may look like a token); anything else pays scrypt, against a decoy for
   * unknown users and token users: the time taken tells nothing about which users exist.
   */
  async verify(name: string, password: string): Promise<boolean> {
    const stored = this.users.get(name);
    if (TICKET.test(password)) {
      // A resumption ticket: an HMAC, for the user it names and the credential it still has.
      this.stats.ticketChecks++;
      const t = this.tickets?.open(password);
      return (
        t !== undefined &&
        stored !== undefined &&
        t.user === name &&
        t.fingerprint === credentialFingerprint(credentialOf(stored))
      );
    }
    if (TOKEN.test(password)) {
      this.stats.tokenChecks++;
      const want = stored?.token !== undefined ? stored.token : DECOY_TOKEN;
      const ok = timingSafeEqual(Buffer.from(sha256(password), 'hex'), Buffer.from(want, 'hex'));
      return ok && stored?.token !== undefined;
    }
    const key = createHmac('sha256', this.verifiedKey)
      .update(name)
      .update('\0')
      .update(password)
      .digest('base64');
    if (stored !== undefined && this.verified.get(key) === stored) {
      this.stats.remembered++;
      return true;
    }
    this.stats.hashChecks++;
    const scrypt: PasswordHash | undefined =
      stored !== undefined && stored.token === undefined ? stored : undefined;
    const ok =
      (await verifyPassword(password, scrypt ?? (await this.decoy))) && scrypt !== undefined;
    if (ok && stored !== undefined && this.users.get(name) === stored) {
      this.verified.set(key, stored);
      if (this.verified.size > MAX_REMEMBERED) {
        this.verified.delete(this.verified.keys().next().value as string);
      }
    }
    return ok;
  }

  /** Resumption tickets are issued and taken from now on (see Tickets). */
  useTickets(tickets: Tickets): void {
    this.tickets = tickets;
  }

  /** A resumption ticket for `name` as its credential is now; undefined without tickets. */
  issueTicket(name: string): { ticket: string; expiresAt: number } | undefined {
    const stored = this.users.get(name);
    if (stored === undefined || this.tickets === undefined) return undefined;
    return this.tickets.issue(name, credentialFingerprint(credentialOf(stored)));
  }

  async save(): Promise<void> {
    if (this.path === undefined) return;
    const roles = [...this.users.values()].some((u) => u.role !== undefined);
    const body =
      JSON.stringify({ version: roles ? 2 : 1, users: Object.fromEntries(this.users) }, null, 2) +
      '\n';
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}`;
    await writeFile(tmp, body, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.path);
  }
}
