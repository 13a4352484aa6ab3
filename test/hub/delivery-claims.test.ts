import { describe, expect, it } from 'vitest';
import { DeliveryClaims, type Caller } from '../../hub/index.js';
import { silentLogger } from '../../shared/index.js';

const caller = (address: string, instance: string): Caller => ({
  user: 'u',
  daemon: 'port-1',
  type: 'port',
  address,
  instance,
});

function setup(probe: (holder: Caller) => Promise<unknown>) {
  const evicted: [string, string][] = [];
  const told: string[] = [];
  const claims = new DeliveryClaims(silentLogger(), {
    evict: (old, by) => evicted.push([old.address, by.address]),
    probe: (holder) => probe(holder),
    tell: (holder, dup) => told.push(`${holder.address}<-${dup.address}`),
    now: () => 42,
  });
  return { claims, evicted, told };
}

describe('DeliveryClaims', () => {
  it('lets the first connection hold the name, and the same spool on a new connection take over', () => {
    const { claims, evicted } = setup(() => Promise.reject(new Error('never probed')));
    const first = caller('10.0.0.1', 'A');
    expect(claims.claim(first)).toBeUndefined();
    expect(claims.claim(first)).toBeUndefined(); // holding already
    const again = caller('10.0.0.9', 'A');
    expect(claims.claim(again)).toBeUndefined(); // the same daemon, its old link half-open
    expect(evicted).toEqual([['10.0.0.1', '10.0.0.9']]);
    expect(claims.superseded).toBe(1);
  });

  it('refuses a second live spool under the name (HUB_ERR_DUPLICATE_DAEMON), and tells the holder', async () => {
    const { claims, evicted, told } = setup(() => Promise.resolve('alive'));
    const live = caller('10.0.0.1', 'A');
    expect(claims.claim(live)).toBeUndefined();
    const clone = caller('10.0.0.2', 'B');
    await expect(claims.claim(clone)).rejects.toMatchObject({
      code: 'HUB_ERR_DUPLICATE_DAEMON',
      retryable: true,
      data: { daemon: 'port-1', liveAddress: '10.0.0.1' },
    });
    expect(told).toEqual(['10.0.0.1<-10.0.0.2']);
    expect(evicted).toEqual([]);
    expect(claims.duplicateOf(live)).toEqual({
      address: '10.0.0.2',
      instance: 'B',
      at: 42,
      count: 1,
    });
    expect(claims.refused).toBe(1);
  });

  it('gives the name to a newcomer when the holder does not answer its probe', async () => {
    const { claims, evicted } = setup(() => Promise.reject(new Error('timeout')));
    const dead = caller('10.0.0.1', 'A');
    expect(claims.claim(dead)).toBeUndefined();
    const next = caller('10.0.0.2', 'B');
    await claims.claim(next);
    expect(evicted).toEqual([['10.0.0.1', '10.0.0.2']]);
    expect(claims.claim(next)).toBeUndefined();
  });

  it('frees the name when its holder closes; clients that never claim share a name freely', () => {
    const { claims } = setup(() => Promise.resolve());
    const a = caller('10.0.0.1', 'A');
    expect(claims.claim(a)).toBeUndefined();
    claims.release(a);
    expect(claims.claim(caller('10.0.0.2', 'B'))).toBeUndefined(); // no probe needed
  });
});
