// The pacing of WebSocket upgrades: the first of a turn at once, the rest one per turn, oldest
// first; bounded in length and in wait; sockets gone while waiting dropped.
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UpgradePacer, type PacerRefusal } from '../../hub/upgrade-pacer.js';
import { ManualClock } from '../support/manual-clock.js';

function setup(limits: { maxQueued?: number; maxWaitMs?: number } = {}) {
  const clock = new ManualClock();
  const turns: (() => void)[] = [];
  const taken: string[] = [];
  const refused: [string, PacerRefusal][] = [];
  const waiting = new Map<string, number>();
  const name = (req: IncomingMessage): string => req.url ?? '';
  const pacer = new UpgradePacer({
    clock,
    maxQueued: limits.maxQueued ?? 100,
    maxWaitMs: limits.maxWaitMs ?? 5_000,
    take: (req) => taken.push(name(req)),
    refuse: (socket, why) => {
      refused.push([(socket as Duplex & { label: string }).label, why]);
      socket.destroy();
    },
    queued: (req) => waiting.set(name(req), 1),
    left: (req) => waiting.delete(name(req)),
    defer: (fn) => turns.push(fn),
  });
  const offer = (label: string): Duplex => {
    const socket = Object.assign(new PassThrough(), { label });
    pacer.offer({ url: label } as IncomingMessage, socket, Buffer.alloc(0));
    return socket;
  };
  /** Runs the check phase of one turn of the loop (what was deferred before it). */
  const turn = (): void => {
    const now = turns.splice(0);
    for (const fn of now) fn();
  };
  return { clock, pacer, taken, refused, waiting, offer, turn, turns };
}

describe('UpgradePacer', () => {
  it('takes the first upgrade of a turn at once and the rest one per turn, oldest first', () => {
    const t = setup();
    t.offer('a');
    t.offer('b');
    t.offer('c');
    expect(t.taken).toEqual(['a']);
    expect(t.pacer.waiting).toBe(2);
    expect([...t.waiting.keys()]).toEqual(['b', 'c']);
    t.turn();
    expect(t.taken).toEqual(['a', 'b']);
    t.offer('d'); // arrives while c waits: behind it
    t.turn();
    expect(t.taken).toEqual(['a', 'b', 'c']);
    t.turn();
    expect(t.taken).toEqual(['a', 'b', 'c', 'd']);
    t.turn(); // nothing left: the next upgrade is taken at once again
    expect(t.turns).toHaveLength(0);
    t.offer('e');
    expect(t.taken).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(t.waiting.size).toBe(0);
    expect(t.pacer.stats.queuedMax).toBe(2);
  });

  it('refuses an upgrade at once when the queue is full', () => {
    const t = setup({ maxQueued: 2 });
    t.offer('a');
    t.offer('b');
    t.offer('c');
    const d = t.offer('d');
    expect(t.refused).toEqual([['d', 'full']]);
    expect(d.destroyed).toBe(true);
    expect(t.pacer.stats.refusedFull).toBe(1);
    t.turn();
    t.turn();
    expect(t.taken).toEqual(['a', 'b', 'c']);
  });

  it('refuses an upgrade that waited longer than its bound when its turn comes', () => {
    const t = setup({ maxWaitMs: 1_000 });
    t.offer('a');
    t.offer('b');
    t.clock.advance(600);
    t.offer('c');
    t.clock.advance(600); // b waited 1,200 ms, c 600 ms
    t.turn();
    expect(t.refused).toEqual([['b', 'waited']]);
    expect(t.taken).toEqual(['a', 'c']);
    expect(t.pacer.stats.refusedWaited).toBe(1);
    expect(t.waiting.size).toBe(0);
  });

  it('drops a socket closed while waiting, and swallows its errors until it is taken', () => {
    const t = setup();
    t.offer('a');
    const b = t.offer('b');
    t.offer('c');
    // With no listener an 'error' would be thrown: the pacer listens while the socket waits.
    b.emit('error', new Error('ECONNRESET'));
    expect(b.destroyed).toBe(true);
    t.turn();
    expect(t.taken).toEqual(['a', 'c']);
    expect(t.pacer.stats.dropped).toBe(1);
    expect(b.listenerCount('error')).toBe(0);
    expect(t.waiting.size).toBe(0);
  });

  it('keeps order and bounds across many turns (the queue compacts as it goes)', () => {
    const t = setup({ maxQueued: 5_000 });
    for (let i = 0; i < 3_000; i++) t.offer(String(i));
    let turns = 0;
    while (t.turns.length > 0) {
      t.turn();
      turns++;
    }
    expect(t.taken).toEqual(Array.from({ length: 3_000 }, (_, i) => String(i)));
    expect(turns).toBe(3_000);
    expect(t.pacer.waiting).toBe(0);
  });
});
