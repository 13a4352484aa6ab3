import { describe, expect, it } from 'vitest';
import { LoginLimiter, UpgradeLimiter } from '../../../hub/index.js';
import { ManualClock } from '../../support/manual-clock.js';

describe('LoginLimiter', () => {
  it('refuses an address after max failures in the window, until the oldest leaves it', () => {
    const clock = new ManualClock();
    const limiter = new LoginLimiter(clock, 3, 60_000, 100);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('10.0.0.1')).toBe(0);
      limiter.fail('10.0.0.1');
      clock.advance(1_000);
    }
    expect(limiter.retryAfter('10.0.0.1')).toBe(57_000);
    expect(limiter.retryAfter('10.0.0.2')).toBe(0); // per address
    clock.advance(57_000);
    expect(limiter.retryAfter('10.0.0.1')).toBe(0);
  });

  it('forgets an address on success, and remembers at most capacity addresses', () => {
    const clock = new ManualClock();
    const limiter = new LoginLimiter(clock, 1, 60_000, 3);
    limiter.fail('a');
    expect(limiter.retryAfter('a')).toBeGreaterThan(0);
    limiter.succeed('a');
    expect(limiter.retryAfter('a')).toBe(0);
    for (const address of ['a', 'b', 'c', 'd']) limiter.fail(address);
    expect(limiter.size).toBe(3);
    expect(limiter.retryAfter('a')).toBe(0); // the least recently failed went first
    expect(limiter.retryAfter('d')).toBeGreaterThan(0);
  });
});

describe('UpgradeLimiter', () => {
  it('admits ratePerSecond upgrades at once from an address, then refills over time', () => {
    const clock = new ManualClock();
    const limiter = new UpgradeLimiter(clock, 5, 100, 100);
    const answers = Array.from({ length: 7 }, () => limiter.admit('10.0.0.1'));
    expect(answers).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'rate',
      'rate',
    ]);
    expect(limiter.admit('10.0.0.2')).toBeUndefined();
    clock.advance(400); // two tokens back
    expect([
      limiter.admit('10.0.0.1'),
      limiter.admit('10.0.0.1'),
      limiter.admit('10.0.0.1'),
    ]).toEqual([undefined, undefined, 'rate']);
    expect(limiter.stats.refusedRate).toBe(3);
  });

  it('caps connections that have not logged in per address; a login or close frees one', () => {
    const clock = new ManualClock();
    const limiter = new UpgradeLimiter(clock, 1_000, 2, 100);
    limiter.opened('a');
    limiter.opened('a');
    expect(limiter.admit('a')).toBe('pending');
    expect(limiter.admit('b')).toBeUndefined();
    limiter.settled('a');
    expect(limiter.pendingFrom('a')).toBe(1);
    expect(limiter.admit('a')).toBeUndefined();
    limiter.settled('a');
    limiter.settled('a'); // never below zero
    expect(limiter.pendingFrom('a')).toBe(0);
    expect(limiter.stats.refusedPending).toBe(1);
  });
});
