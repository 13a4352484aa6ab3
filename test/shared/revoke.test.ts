import { describe, expect, it } from 'vitest';
import { Op, Referenceable, type RemoteReference } from '../../shared/index.js';
import { brokerPair, rawPeer } from '../support/broker-pair.js';
import { until } from '../support/until.js';

class Thing extends Referenceable {
  remote_ping(): string {
    return 'pong';
  }
}

class Root extends Referenceable {
  readonly thing = new Thing();
  remote_thing(): Thing {
    return this.thing;
  }
}

describe('revoking an exported object (a reloaded service)', () => {
  it('kills the peer reference: its callbacks run once and calls fail with HUB_ERR_DEAD_REFERENCE', async () => {
    const root = new Root();
    const { a, b } = brokerPair({ rootB: root });
    const ref = await a.remoteRoot().callRemote<RemoteReference>('thing');
    expect(await ref.callRemote('ping')).toBe('pong');
    const told: RemoteReference[] = [];
    ref.notifyOnDisconnect((r) => told.push(r));
    expect(b.revoke(root.thing)).toBe(true);
    expect(b.revoke(root.thing)).toBe(false); // no longer exported
    await until(() => ref.isDead);
    expect(ref.isRevoked).toBe(true);
    expect(told).toEqual([ref]);
    await expect(ref.callRemote('ping')).rejects.toMatchObject({
      code: 'HUB_ERR_DEAD_REFERENCE',
      message: expect.stringMatching(/revoked by its owner/),
    });
    // Sent again, the object gets a new id and a live reference.
    const again = await a.remoteRoot().callRemote<RemoteReference>('thing');
    expect(again).not.toBe(ref);
    expect(await again.callRemote('ping')).toBe('pong');
    // The connection itself is unharmed.
    expect(a.closed).toBe(false);
  });

  it('closes the connection on a malformed revoke, and ignores one for an unknown id', async () => {
    const peer = rawPeer(new Root());
    peer.send([[Op.REVOKE, 77]]);
    peer.send([[1, 1, 0, 'thing', []]]);
    await until(() => peer.of(Op.ANSWER).length === 1);
    expect(peer.closes).toEqual([]);
    peer.send([[Op.REVOKE, 'x']]);
    await until(() => peer.closes.length === 1);
    expect(peer.closes[0]?.code).toBe(1002);
  });
});
