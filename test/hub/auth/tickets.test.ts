// Resumption tickets: an HMAC in place of a scrypt when a daemon logs in again — after a hub
// restart too, since the key is kept in the data directory — and refused once expired,
// tampered with, under another key, or once the user's password changed or the user is gone.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HubClient } from '../../../daemons/index.js';
import { TICKET_KEY_FILE, Tickets, UserStore } from '../../../hub/index.js';
import { buildHub } from '../../../services/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { eventually } from '../../support/until.js';

const PASSWORD = 'a-password-of-the-daemon';

describe('Tickets', () => {
  it('opens only what it issued, unexpired, under its own key', async () => {
    const clock = new ManualClock();
    const dir = await mkdtemp(join(tmpdir(), 'zhub-tickets-'));
    try {
      const tickets = await Tickets.inDataDir(dir, clock, 60_000);
      expect((await stat(join(dir, TICKET_KEY_FILE))).mode & 0o777).toBe(0o600);
      const { ticket, expiresAt } = tickets.issue('east-1', 'fp');
      expect(ticket).toMatch(/^zr_/);
      expect(expiresAt).toBe(clock.now() + 60_000);
      expect(tickets.open(ticket)).toEqual({ user: 'east-1', fingerprint: 'fp' });
      // The same key after a restart: the file is read, not made again.
      const again = await Tickets.inDataDir(dir, clock, 60_000);
      expect(again.open(ticket)).toEqual({ user: 'east-1', fingerprint: 'fp' });
      expect((await readFile(join(dir, TICKET_KEY_FILE), 'utf8')).trim().length).toBeGreaterThan(
        40,
      );
      // Tampered (another user in the payload, the same MAC), another key, expired.
      const [payload, mac] = ticket.slice(3).split('.') as [string, string];
      const forged = Buffer.from(JSON.stringify(['admin', 'fp', expiresAt])).toString('base64url');
      expect(tickets.open(`zr_${forged}.${mac}`)).toBeUndefined();
      // Every one-character change of the MAC is refused, the last character's twin too: it
      // differs only in a low bit base64 leaves spare, so it decodes to the very same bytes.
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = mac.length - 1;
      const twin = ALPHABET[ALPHABET.indexOf(mac[last] as string) ^ 1] as string;
      expect(Buffer.from(`${mac.slice(0, last)}${twin}`, 'base64url')).toEqual(
        Buffer.from(mac, 'base64url'),
      );
      expect(tickets.open(`zr_${payload}.${mac.slice(0, last)}${twin}`)).toBeUndefined();
      for (const at of [0, mac.length >> 1, last]) {
        const c = mac[at] === 'A' ? 'B' : 'A';
        expect(tickets.open(`zr_${payload}.${mac.slice(0, at)}${c}${mac.slice(at + 1)}`)).toBe(
          undefined,
        );
      }
      const other = await Tickets.inDataDir(await mkdtemp(join(tmpdir(), 'zhub-tickets-')), clock);
      expect(other.open(ticket)).toBeUndefined();
      clock.advance(60_000);
      expect(tickets.open(ticket)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('logs a user in without scrypt while its password stays the same', async () => {
    const clock = new ManualClock();
    const users = new UserStore();
    await users.set('east-1', PASSWORD);
    await users.set('west-1', PASSWORD);
    users.useTickets(new Tickets(Buffer.alloc(32, 7), clock));
    const t = users.issueTicket('east-1')?.ticket as string;
    const before = users.stats.hashChecks;
    expect(await users.verify('east-1', t)).toBe(true);
    expect(users.stats.hashChecks).toBe(before);
    expect(users.stats.ticketChecks).toBe(1);
    expect(await users.verify('west-1', t)).toBe(false); // names its own user only
    await users.set('east-1', 'a-new-password-now');
    expect(await users.verify('east-1', t)).toBe(false); // a password change voids it
    const t2 = users.issueTicket('east-1')?.ticket as string;
    users.remove('east-1');
    expect(await users.verify('east-1', t2)).toBe(false); // so does removal
    await expect(users.set('x', 'zr_looks-like-a-ticket')).rejects.toThrow(/zr_/);
  });
});

describe('a daemon with a password after a hub restart', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  // Each hub reads the users file as a restarted hub does (the same salts and hashes).
  async function hubOn(dataDir: string, port: number) {
    const path = join(dataDir, 'hubpasswd.json');
    const users = await UserStore.load(path).catch(async () => {
      const fresh = new UserStore(path);
      await fresh.set('east-1', PASSWORD);
      await fresh.save();
      return UserStore.load(path);
    });
    const zhub = await buildHub({ users, dataDir });
    const address = await zhub.app.listen({ port, host: '127.0.0.1' });
    return { zhub, users, port: Number(new URL(address).port) };
  }

  it('logs in again with its ticket (no scrypt), and with its password once the ticket is refused', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zhub-ticket-hub-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await hubOn(dataDir, 0);
    const client = new HubClient({
      url: `ws://127.0.0.1:${first.port}/hub`,
      username: 'east-1',
      password: PASSWORD,
      name: 'east-1',
      limits: { reconnectBaseMs: 50, reconnectMaxMs: 200 },
    });
    cleanups.push(() => client.close());
    client.start();
    await client.whenConnected(10_000);
    const ticketOf = () => (client as unknown as { ticket?: string }).ticket;
    await eventually(() => ticketOf() !== undefined);
    expect(first.users.stats.hashChecks).toBe(1);
    await first.zhub.close(0);

    // A restarted hub (new process state, the same data directory): the ticket is taken.
    const second = await hubOn(dataDir, first.port);
    cleanups.push(() => second.zhub.close(0));
    await eventually(
      () => second.users.stats.ticketChecks >= 1 && client.state === 'connected',
      10_000,
    );
    expect(second.users.stats.hashChecks).toBe(0);
    await second.zhub.close(0);
    cleanups.pop();

    // The key deleted (every ticket revoked): the daemon falls back to its password.
    await rm(join(dataDir, TICKET_KEY_FILE));
    const third = await hubOn(dataDir, first.port);
    cleanups.push(() => third.zhub.close(0));
    await eventually(
      () => third.users.stats.hashChecks >= 1 && client.state === 'connected',
      10_000,
    );
    expect(third.users.stats.ticketChecks).toBe(1);
  });
});
