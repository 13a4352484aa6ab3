import { describe, expect, it } from 'vitest';
import { Spool, SpoolSender } from '../../../daemons/index.js';
import { silentLogger, ZHubError } from '../../../shared/index.js';
import { ManualClock } from '../../support/manual-clock.js';

interface Sent {
  seqs: number[];
  after: number;
  resolve: (ack: number) => void;
  reject: (err: unknown) => void;
}

/** A spool and its sender, with a hub the test answers by hand. */
function setup(opts: { batchSize?: number; maxInFlight?: number } = {}) {
  const clock = new ManualClock();
  const spool = new Spool({ path: ':memory:', clock });
  const sender = new SpoolSender(spool, 'metrics', clock, silentLogger(), {
    batchSize: opts.batchSize ?? 3,
    maxInFlight: opts.maxInFlight ?? 2,
    flushIntervalMs: 1_000,
    retryMs: 500,
  });
  const sent: Sent[] = [];
  const send = (items: string, after: number) =>
    new Promise<{ ack: number }>((resolve, reject) => {
      const seqs = (JSON.parse(items) as { seq: number }[]).map((i) => i.seq);
      sent.push({ seqs, after, resolve: (ack) => resolve({ ack }), reject });
    });
  const add = (n: number) => {
    spool.append(
      'metrics',
      Array.from({ length: n }, (_, i) => ({ device: 'd', metric: 'm', value: i, timestamp: 1 })),
    );
    sender.kick();
  };
  const turn = () => new Promise((r) => setImmediate(r));
  return { clock, spool, sender, sent, send, add, turn };
}

describe('SpoolSender', () => {
  it('sends full batches oldest first, each naming the one before, at most maxInFlight at once', async () => {
    const { sender, sent, send, add, spool, turn } = setup();
    add(10);
    sender.connect(send);
    expect(sent.map((s) => [s.seqs, s.after])).toEqual([
      [[1, 2, 3], 0],
      [[4, 5, 6], 3],
    ]);
    sent[0]?.resolve(3);
    await turn();
    expect(sent.map((s) => s.seqs)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(spool.depth('metrics')).toBe(7);
    expect(sender.stats).toMatchObject({ batchesSent: 3, itemsAcknowledged: 3 });
  });

  it('holds a partial batch until flushIntervalMs has passed, then sends it', async () => {
    const { sender, sent, send, add, clock } = setup();
    sender.connect(send);
    add(2);
    expect(sent).toEqual([]);
    clock.advance(999);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(sent.map((s) => s.seqs)).toEqual([[1, 2]]);
    add(1);
    sender.flushNow(); // run-once and drain: partial batches go at once
    expect(sent.map((s) => s.seqs)).toEqual([[1, 2], [3]]);
  });

  it('after a failed batch sends again from the oldest unacknowledged item, after retryMs', async () => {
    const { sender, sent, send, add, clock, spool, turn } = setup();
    add(6);
    sender.connect(send);
    // The first batch fails in the store; the hub refuses the second, which followed it.
    sent[0]?.reject(new ZHubError('HUB_ERR_STORE', 'disk full', { retryable: true }));
    sent[1]?.reject(new ZHubError('HUB_ERR_OUT_OF_ORDER', 'follows 3', { data: { mark: 0 } }));
    await turn();
    expect(sent).toHaveLength(2);
    clock.advance(499);
    expect(sent).toHaveLength(2);
    clock.advance(1);
    expect(sent.slice(2).map((s) => [s.seqs, s.after])).toEqual([
      [[1, 2, 3], 0],
      [[4, 5, 6], 3],
    ]);
    expect(sender.stats.batchesFailed).toBe(1); // the second belonged to the failed round
    sent[2]?.resolve(3);
    sent[3]?.resolve(6);
    await turn();
    expect(spool.depth('metrics')).toBe(0);
  });

  it('waits for the next connect when the connection is gone, and starts again from the acknowledged mark', async () => {
    const { sender, sent, send, add, clock, turn } = setup();
    add(6);
    sender.connect(send);
    sent[0]?.resolve(3);
    sent[1]?.reject(new ZHubError('HUB_ERR_CONNECTION_LOST', 'gone'));
    await turn();
    clock.advance(60_000);
    expect(sent).toHaveLength(2); // no retry timer for a lost connection
    sender.disconnect();
    sender.connect(send);
    expect(sent[2]).toMatchObject({ seqs: [4, 5, 6], after: 3 });
  });

  it('takes the hub at its word when it holds less than it once acknowledged', async () => {
    const { sender, sent, send, add, spool, clock, turn } = setup();
    add(6);
    sender.connect(send);
    sent[0]?.resolve(3);
    sent[1]?.resolve(6);
    await turn();
    expect(spool.lastAck('metrics')).toBe(6);
    add(3);
    clock.advance(1_000);
    // The hub was restored from a backup: its mark is 4, below what it acknowledged.
    sent[2]?.reject(new ZHubError('HUB_ERR_OUT_OF_ORDER', 'behind', { data: { mark: 4 } }));
    await turn();
    expect(spool.lastAck('metrics')).toBe(4);
    clock.advance(500);
    expect(sent[3]).toMatchObject({ after: 4 });
  });

  it('sends nothing while disconnected, and ignores answers of an earlier connection', async () => {
    const { sender, sent, send, add, turn, spool } = setup({ maxInFlight: 1 });
    add(6);
    sender.connect(send);
    const old = sent[0];
    sender.disconnect();
    add(3);
    expect(sent).toHaveLength(1);
    sender.connect(send);
    expect(sent[1]).toMatchObject({ seqs: [1, 2, 3], after: 0 });
    old?.resolve(3); // a late answer still acknowledges (a fact about the hub)...
    await turn();
    expect(spool.lastAck('metrics')).toBe(3);
    expect(sent).toHaveLength(2); // ...but does not pump for the old connection
  });
});
