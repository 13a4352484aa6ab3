import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  Referenceable,
  RemoteError,
  RemoteReference,
  ZHubError,
  registerCopyable,
} from '../../shared/index.js';
import { brokerPair, capturingLogger } from '../support/broker-pair.js';
import { controlled, flushMicrotasks, tick } from '../support/deferred.js';

class Calculator extends Referenceable {
  remote_add(x: number, y: number): number {
    return x + y;
  }
  remote_echo(v: unknown): unknown {
    return v;
  }
  async remote_slowEcho(v: unknown): Promise<unknown> {
    await Promise.resolve();
    return v;
  }
}

/** Never answers: for deadlines, disconnects and in-flight limits. */
class Never extends Referenceable {
  remote_hang(): Promise<never> {
    return new Promise(() => undefined);
  }
}

class Point {
  static constructed = 0;
  constructor(
    public x: number,
    public y: number,
  ) {
    Point.constructed++;
  }
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}
registerCopyable('test.Point', Point);

describe('Broker: calls and answers', () => {
  it('calls a remote_ method and gets its answer', async () => {
    const { a } = brokerPair({ rootB: new Calculator() });
    await expect(a.remoteRoot().callRemote('add', 1, 2)).resolves.toBe(3);
  });

  it('matches answers that arrive out of order', async () => {
    const gates = [controlled<string>(), controlled<string>()];
    class Gated extends Referenceable {
      remote_wait(i: number): Promise<string> {
        return (gates[i] as { promise: Promise<string> }).promise;
      }
    }
    const { a } = brokerPair({ rootB: new Gated() });
    const first = a.remoteRoot().callRemote('wait', 0);
    const second = a.remoteRoot().callRemote('wait', 1);
    await tick();
    gates[1]?.resolve('second');
    expect(await second).toBe('second');
    gates[0]?.resolve('first');
    expect(await first).toBe('first');
  });

  it('sends the calls made in one turn in one frame', async () => {
    const { a, ta } = brokerPair({ rootB: new Calculator() });
    await a.ready;
    const before = ta.sent.length;
    const calls = Array.from({ length: 20 }, (_, i) => a.remoteRoot().callRemote('add', i, 1));
    await Promise.all(calls);
    expect(ta.sent.length - before).toBe(1);
  });

  it('sends a turn of more than maxPackMessages in full frames as they fill, in order', async () => {
    const { a, ta, tb } = brokerPair({ rootB: new Calculator() });
    await a.ready;
    const before = ta.sent.length;
    const answersBefore = tb.sent.length;
    const calls = Array.from({ length: 150 }, (_, i) => a.remoteRoot().callRemote('add', i, 1));
    // The first two frames of 64 left during the turn, before it ended.
    expect(ta.sent.length - before).toBe(2);
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    const frames = ta.sent.slice(before).map((f) => JSON.parse(String(f)) as unknown[][]);
    expect(frames.map((f) => f.length)).toEqual([64, 64, 22]);
    expect(frames.flat().map((m) => m[1])).toEqual(
      frames.flat().map((_, i) => (frames[0]![0]![1] as number) + i),
    );
    // The answers travel the same way.
    expect(
      tb.sent.slice(answersBefore).map((f) => (JSON.parse(String(f)) as unknown[]).length),
    ).toEqual([64, 64, 22]);

    const big = brokerPair({ rootB: new Calculator(), limits: { maxPackMessages: 1_000 } });
    await big.a.ready;
    const n = big.ta.sent.length;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => big.a.remoteRoot().callRemote('add', i, 1)),
    );
    expect(big.ta.sent.length - n).toBe(1);
  });

  it('rejects every pending call at once when the connection drops', async () => {
    const { a, tb } = brokerPair({ rootB: new Never() });
    const calls = [a.remoteRoot().callRemote('hang'), a.remoteRoot().callRemote('hang')];
    await tick();
    tb.close(1011, 'server went away');
    for (const c of calls) {
      await expect(c).rejects.toMatchObject({ code: 'HUB_ERR_CONNECTION_LOST' });
    }
    expect(a.closed).toBe(true);
    await expect(a.remoteRoot().callRemote('hang')).rejects.toMatchObject({
      code: 'HUB_ERR_DEAD_REFERENCE',
    });
  });

  it('gives every call a deadline (default 30 s) and ignores a late answer', async () => {
    const gate = controlled<string>();
    class Slow extends Referenceable {
      remote_slow(): Promise<string> {
        return gate.promise;
      }
    }
    const { a, clock } = brokerPair({ rootB: new Slow() });
    const call = a.remoteRoot().callRemote('slow');
    await tick();
    clock.advance(29_999);
    await flushMicrotasks();
    let settled = false;
    void call.then(
      () => (settled = true),
      () => (settled = true),
    );
    await flushMicrotasks();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(call).rejects.toMatchObject({ code: 'HUB_ERR_TIMEOUT', retryable: true });
    gate.resolve('too late');
    await tick();
    expect(a.stats.unknownAnswers).toBe(1);
    expect(a.closed).toBe(false);
  });

  it('honours a per-call deadline', async () => {
    const { a, clock } = brokerPair({ rootB: new Never() });
    const call = a.remoteRoot().callRemoteWithOptions({ timeoutMs: 100 }, 'hang');
    const other = a.remoteRoot().callRemote('hang');
    await tick();
    clock.advance(100);
    await expect(call).rejects.toMatchObject({ code: 'HUB_ERR_TIMEOUT' });
    let otherSettled = false;
    other.catch(() => undefined).finally(() => (otherSettled = true));
    await flushMicrotasks();
    expect(otherSettled).toBe(false);
    clock.advance(30_000);
    await expect(other).rejects.toMatchObject({ code: 'HUB_ERR_TIMEOUT' });
  });
});

describe('Broker: exposure of remote_ methods only', () => {
  let getterRan = false;
  class Base extends Referenceable {
    remote_inherited(): string {
      return 'base';
    }
    remote_overridden(): string {
      return 'base';
    }
  }
  class Exposed extends Base {
    ownFn = (): string => 'own';
    remote_fromInstance?: () => string;
    constructor() {
      super();
      this.remote_fromInstance = () => 'instance';
    }
    override remote_overridden(): string {
      return 'derived';
    }
    get remote_getter(): string {
      getterRan = true;
      return 'getter';
    }
    notRemote(): string {
      return 'hidden';
    }
  }

  it('reaches inherited remote_ methods, the most derived one winning', async () => {
    const { a } = brokerPair({ rootB: new Exposed() });
    await expect(a.remoteRoot().callRemote('inherited')).resolves.toBe('base');
    await expect(a.remoteRoot().callRemote('overridden')).resolves.toBe('derived');
  });

  it.each([
    'constructor',
    '__proto__',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'notRemote',
    'remote_inherited',
    'ownFn',
    'fromInstance',
    'getter',
    '',
    'isPrototypeOf',
    '__defineGetter__',
  ])('refuses %j with a no-such-method error and keeps serving', async (name) => {
    const { a } = brokerPair({ rootB: new Exposed() });
    const err = (await a
      .remoteRoot()
      .callRemote(name)
      .catch((e: unknown) => e)) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.code).toBe('HUB_ERR_NO_SUCH_METHOD');
    expect(getterRan).toBe(false);
    await expect(a.remoteRoot().callRemote('inherited')).resolves.toBe('base');
    expect(a.closed).toBe(false);
  });
});

describe('Broker: by reference', () => {
  class Listener extends Referenceable {
    got: unknown[] = [];
    remote_notify(v: unknown): string {
      this.got.push(v);
      return 'ok';
    }
  }
  class Registry extends Referenceable {
    refs: RemoteReference[] = [];
    kept: Listener | undefined;
    remote_register(ref: RemoteReference): boolean {
      this.refs.push(ref);
      return ref instanceof RemoteReference;
    }
    remote_poke(v: unknown): Promise<unknown> {
      return (this.refs[0] as RemoteReference).callRemote('notify', v);
    }
    remote_giveBack(): RemoteReference {
      return this.refs[0] as RemoteReference;
    }
    remote_makeChild(): Listener {
      this.kept = new Listener();
      return this.kept;
    }
    remote_isMine(obj: unknown): boolean {
      return obj === this.kept;
    }
  }

  it('passes a Referenceable as a RemoteReference the other side can call back', async () => {
    const registry = new Registry();
    const { a } = brokerPair({ rootB: registry });
    const listener = new Listener();
    await expect(a.remoteRoot().callRemote('register', listener)).resolves.toBe(true);
    await expect(a.remoteRoot().callRemote('poke', 42)).resolves.toBe('ok');
    expect(listener.got).toEqual([42]);
  });

  it('returns the original object when a reference goes back to its owner', async () => {
    const { a } = brokerPair({ rootB: new Registry() });
    const listener = new Listener();
    await a.remoteRoot().callRemote('register', listener);
    expect(await a.remoteRoot().callRemote('giveBack')).toBe(listener);
  });

  it('hands out one proxy per remote object, and it goes home as the original', async () => {
    const registry = new Registry();
    const { a } = brokerPair({ rootB: registry });
    const child = await a.remoteRoot().callRemote<RemoteReference>('makeChild');
    expect(child).toBeInstanceOf(RemoteReference);
    expect(await a.remoteRoot().callRemote('isMine', child)).toBe(true);
    await expect(child.callRemote('notify', 'x')).resolves.toBe('ok');
    const again = await a.remoteRoot().callRemote<RemoteReference>('makeChild');
    expect(again).not.toBe(child); // a new object, a new proxy
  });

  it('references die with their connection; notifyOnDisconnect fires, dontNotify removes', async () => {
    const registry = new Registry();
    const { a, ta } = brokerPair({ rootB: registry });
    const child = await a.remoteRoot().callRemote<RemoteReference>('makeChild');
    const fired: string[] = [];
    const removed = (): number => fired.push('removed');
    child.notifyOnDisconnect(() => fired.push('child'));
    child.notifyOnDisconnect(removed);
    child.dontNotifyOnDisconnect(removed);
    ta.close(1000, 'bye');
    await tick();
    expect(fired).toEqual(['child']);
    expect(child.isDead).toBe(true);
    await expect(child.callRemote('notify', 1)).rejects.toMatchObject({
      code: 'HUB_ERR_DEAD_REFERENCE',
    });
    child.notifyOnDisconnect(() => fired.push('late'));
    expect(fired).toEqual(['child', 'late']);
  });

  it('release() makes the proxy dead and lets the owner forget the export', async () => {
    const registry = new Registry();
    const { a, b } = brokerPair({ rootB: registry });
    const child = await a.remoteRoot().callRemote<RemoteReference>('makeChild');
    child.release();
    await expect(child.callRemote('notify', 1)).rejects.toMatchObject({
      code: 'HUB_ERR_DEAD_REFERENCE',
    });
    await tick();
    // The export is gone: the same object sent again gets a fresh id.
    const id1 = child.id;
    const again = await a.remoteRoot().callRemote<RemoteReference>('makeChild');
    expect(again.id).not.toBe(id1);
    expect(b.closed).toBe(false);
  });

  it('caps the references one connection exports', async () => {
    class Factory extends Referenceable {
      remote_make(): Listener {
        return new Listener();
      }
    }
    const { a } = brokerPair({ rootB: new Factory(), limits: { maxExportedRefs: 2 } });
    await a.remoteRoot().callRemote('make');
    await a.remoteRoot().callRemote('make');
    await expect(a.remoteRoot().callRemote('make')).rejects.toMatchObject({
      code: 'HUB_ERR_TOO_MANY_REFS',
    });
  });
});

describe('Broker: by copy', () => {
  it('carries what superjson carries: Date, Map, Set, bigint, undefined, NaN', async () => {
    const { a } = brokerPair({ rootB: new Calculator() });
    const value = {
      when: new Date('2026-01-02T03:04:05Z'),
      map: new Map([['k', 1]]),
      set: new Set([1, 2]),
      big: 12345678901234567890n,
      nothing: undefined,
      nan: Number.NaN,
    };
    expect(await a.remoteRoot().callRemote('echo', value)).toEqual(value);
  });

  it('rebuilds registered classes without running their constructor', async () => {
    const { a } = brokerPair({ rootB: new Calculator() });
    const p = new Point(3, 4);
    const before = Point.constructed;
    const back = await a.remoteRoot().callRemote<Point>('echo', p);
    expect(back).toBeInstanceOf(Point);
    expect(back).not.toBe(p);
    expect(back.norm()).toBe(5);
    expect(Point.constructed).toBe(before);
  });

  it.each([
    [
      'an unregistered class instance',
      new (class Secret {
        x = 1;
      })(),
      /Secret/,
    ],
    ['a function', function namedFn(): void {}, /function \(namedFn\)/],
    ['a symbol', Symbol('sym'), /symbol/],
    ['a nested function', { deep: [{ f: (): void => {} }] }, /function/],
  ])(
    'fails the call locally for %s, naming the type, before sending',
    async (_what, value, pattern) => {
      const { a, ta } = brokerPair({ rootB: new Calculator() });
      await a.ready;
      await tick();
      const sentBefore = ta.sent.length;
      const err = (await a
        .remoteRoot()
        .callRemote('echo', value)
        .catch((e: unknown) => e)) as ZHubError;
      expect(err).toBeInstanceOf(ZHubError);
      expect(err.code).toBe('HUB_ERR_NOT_COPYABLE');
      expect(err.message).toMatch(pattern);
      await tick();
      expect(ta.sent.length).toBe(sentBefore);
      await expect(a.remoteRoot().callRemote('add', 1, 1)).resolves.toBe(2);
    },
  );

  it('fails an answer that cannot be sent as an error for that call only', async () => {
    class Bad extends Referenceable {
      remote_fn(): unknown {
        return () => 1;
      }
    }
    const { a } = brokerPair({ rootB: new Bad() });
    await expect(a.remoteRoot().callRemote('fn')).rejects.toMatchObject({
      code: 'HUB_ERR_NOT_COPYABLE',
    });
    expect(a.closed).toBe(false);
  });
});

describe('Broker: errors cross the wire', () => {
  class Thrower extends Referenceable {
    remote_typeError(): never {
      throw new TypeError('wrong type');
    }
    async remote_coded(): Promise<never> {
      await Promise.resolve();
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'x must be positive', { data: { field: 'x' } });
    }
    remote_custom(): never {
      class DeviceGoneError extends RangeError {}
      throw new DeviceGoneError('device gone');
    }
    remote_nonError(): never {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'a string';
    }
  }

  it('rebuilds the type name, parents and message', async () => {
    const { a } = brokerPair({ rootB: new Thrower() });
    const err = (await a
      .remoteRoot()
      .callRemote('typeError')
      .catch((e: unknown) => e)) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.remoteType).toBe('TypeError');
    expect(err.is('TypeError')).toBe(true);
    expect(err.is('Error')).toBe(true);
    expect(err.is('RangeError')).toBe(false);
    expect(err.message).toBe('wrong type');
    expect(err.code).toBe('HUB_ERR_REMOTE');
    expect(err.remoteStack).toBeUndefined();
  });

  it('keeps parent type names of user subclasses', async () => {
    const { a } = brokerPair({ rootB: new Thrower() });
    const err = (await a
      .remoteRoot()
      .callRemote('custom')
      .catch((e: unknown) => e)) as RemoteError;
    expect(err.remoteType).toBe('DeviceGoneError');
    expect(err.remoteParents).toEqual(['RangeError', 'Error']);
    expect(err.is('RangeError')).toBe(true);
  });

  it('carries code, data and retryable of zhub errors', async () => {
    const { a } = brokerPair({ rootB: new Thrower() });
    const err = (await a
      .remoteRoot()
      .callRemote('coded')
      .catch((e: unknown) => e)) as RemoteError;
    expect(err.code).toBe('HUB_ERR_BAD_ARGUMENT');
    expect(err.data).toEqual({ field: 'x' });
    expect(err.retryable).toBe(false);
    expect(err.is('ZHubError')).toBe(true);
  });

  it('keeps the data of a plain Error given a code and data', async () => {
    class PlainThrower extends Referenceable {
      remote_plain(): never {
        throw Object.assign(new Error('quota exceeded'), {
          code: 'APP_QUOTA',
          data: { limit: 5, used: 7 },
        });
      }
    }
    const { a } = brokerPair({ rootB: new PlainThrower() });
    const err = (await a
      .remoteRoot()
      .callRemote('plain')
      .catch((e: unknown) => e)) as RemoteError;
    expect(err.code).toBe('APP_QUOTA');
    expect(err.data).toEqual({ limit: 5, used: 7 });
    expect(err.message).toBe('quota exceeded');
  });

  it('handles thrown non-errors', async () => {
    const { a } = brokerPair({ rootB: new Thrower() });
    const err = (await a
      .remoteRoot()
      .callRemote('nonError')
      .catch((e: unknown) => e)) as RemoteError;
    expect(err.remoteType).toBe('string');
    expect(err.message).toBe('a string');
  });

  it('sends the remote stack only when tracebacks are on', async () => {
    const { a } = brokerPair({ rootB: new Thrower(), tracebacks: true });
    const err = (await a
      .remoteRoot()
      .callRemote('typeError')
      .catch((e: unknown) => e)) as RemoteError;
    expect(err.remoteStack).toMatch(/remote_typeError/);
  });

  it('logs unexpected errors with their stack, zhub errors not as crashes', async () => {
    const { logger, records } = capturingLogger();
    const { a } = brokerPair({ rootB: new Thrower(), logger });
    await a
      .remoteRoot()
      .callRemote('typeError')
      .catch(() => undefined);
    await a
      .remoteRoot()
      .callRemote('coded')
      .catch(() => undefined);
    const errors = records.filter((r) => r.level === 50);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toMatch(/wrong type/);
    expect((errors[0]?.err as { stack?: string }).stack).toMatch(/remote_typeError/);
  });
});

describe('Broker: caller context', () => {
  class Aware extends Referenceable {
    static withCaller = ['whoAmI'];
    remote_whoAmI(caller: { name: string }, claimed?: unknown): unknown {
      return { caller: caller.name, claimed };
    }
  }

  it('gives withCaller methods the connection context first; arguments cannot spoof it', async () => {
    const { a } = brokerPair({ rootB: new Aware(), callerB: { name: 'daemon-1' } });
    expect(await a.remoteRoot().callRemote('whoAmI', { name: 'evil' })).toEqual({
      caller: 'daemon-1',
      claimed: { name: 'evil' },
    });
  });
});

describe('Broker: limits', () => {
  it('fails an outgoing call over the frame limit and stays usable', async () => {
    const { a } = brokerPair({ rootB: new Calculator(), limits: { maxFrameBytes: 1024 } });
    await expect(a.remoteRoot().callRemote('echo', 'x'.repeat(2000))).rejects.toMatchObject({
      code: 'HUB_ERR_TOO_LARGE',
    });
    await expect(a.remoteRoot().callRemote('echo', 'é'.repeat(600))).rejects.toMatchObject({
      code: 'HUB_ERR_TOO_LARGE',
    });
    await expect(a.remoteRoot().callRemote('add', 2, 2)).resolves.toBe(4);
  });

  it('fails an answer over the frame limit with a too-large error for that call', async () => {
    class Big extends Referenceable {
      remote_big(): string {
        return 'y'.repeat(5000);
      }
    }
    const { a } = brokerPair({ rootB: new Big(), limits: { maxFrameBytes: 1024 } });
    await expect(a.remoteRoot().callRemote('big')).rejects.toMatchObject({
      code: 'HUB_ERR_TOO_LARGE',
    });
    expect(a.closed).toBe(false);
  });

  it('splits a large batch into frames under the limit', async () => {
    const { a, ta } = brokerPair({ rootB: new Calculator(), limits: { maxFrameBytes: 3000 } });
    await a.ready;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => a.remoteRoot().callRemote('echo', `v${i}`)),
    );
    expect(results[199]).toBe('v199');
    expect(ta.sent.length).toBeGreaterThan(2);
    for (const f of ta.sent) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(3000);
  });

  it('fails a too-deep outgoing value locally', async () => {
    const { a } = brokerPair({ rootB: new Calculator(), limits: { maxDepth: 10 } });
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = [deep];
    await expect(a.remoteRoot().callRemote('echo', deep)).rejects.toMatchObject({
      code: 'HUB_ERR_TOO_DEEP',
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(a.remoteRoot().callRemote('echo', cyclic)).rejects.toMatchObject({
      code: 'HUB_ERR_TOO_DEEP',
    });
  });

  it('answers calls beyond maxInFlight with a retryable too-many-calls error', async () => {
    const { a, b } = brokerPair({
      rootB: new Never(),
      limits: { maxInFlight: 100 },
      limitsB: { maxInFlight: 3 },
    });
    const calls = Array.from({ length: 5 }, () =>
      a
        .remoteRoot()
        .callRemote('hang')
        .catch((e: unknown) => e),
    );
    await tick();
    const refused = await Promise.race([calls[3], calls[4]]);
    expect(refused).toMatchObject({ code: 'HUB_ERR_TOO_MANY_CALLS', retryable: true });
    expect(b.inFlight).toBe(3);
    expect(b.stats.refusedInFlight).toBe(2);
  });

  it('bounds its own pending calls', async () => {
    const { a } = brokerPair({ rootB: new Never(), limits: { maxInFlight: 2 } });
    void a
      .remoteRoot()
      .callRemote('hang')
      .catch(() => undefined);
    void a
      .remoteRoot()
      .callRemote('hang')
      .catch(() => undefined);
    await expect(a.remoteRoot().callRemote('hang')).rejects.toMatchObject({
      code: 'HUB_ERR_TOO_MANY_CALLS',
    });
    expect(a.pendingCalls).toBe(2);
  });

  it('closes a connection whose peer stops reading once the send buffer passes the bound', async () => {
    class Chatty extends Referenceable {
      remote_blob(): string {
        return 'z'.repeat(10_000);
      }
    }
    const { a, b, ta } = brokerPair({
      rootB: new Chatty(),
      limitsB: { maxSendBufferBytes: 50_000 },
    });
    await a.ready;
    await tick();
    ta.pause();
    const calls = Array.from({ length: 10 }, () =>
      a
        .remoteRoot()
        .callRemote('blob')
        .catch((e: unknown) => e),
    );
    await tick();
    await tick();
    expect(b.closed).toBe(true);
    const results = await Promise.all(calls);
    expect(results.every((r) => (r as ZHubError).code === 'HUB_ERR_CONNECTION_LOST')).toBe(true);
  });
});

describe('Broker: many large answers in one turn', () => {
  it('stops sending once the bound is passed instead of writing every answer first', async () => {
    class Chatty extends Referenceable {
      remote_blob(): string {
        return 'z'.repeat(10_000);
      }
    }
    const { a, b, ta, tb } = brokerPair({
      rootB: new Chatty(),
      limits: { maxInFlight: 1_000 },
      limitsB: { maxSendBufferBytes: 50_000, maxInFlight: 1_000 },
    });
    await a.ready;
    await tick();
    ta.pause();
    // 200 answers of 10 KB are made in one turn; only about the bound's worth may be written.
    const calls = Array.from({ length: 200 }, () =>
      a
        .remoteRoot()
        .callRemote('blob')
        .catch((e: unknown) => e),
    );
    await tick();
    await tick();
    expect(b.closed).toBe(true);
    const written = tb.sent.reduce((n, f) => n + f.length, 0);
    expect(written).toBeLessThan(200_000);
    await Promise.all(calls);
  });
});

describe('Broker: handshake', () => {
  it('closes with a clear error when the peer speaks another version', async () => {
    const { a } = brokerPair({ rootB: new Calculator() });
    const { rawPeer } = await import('../support/broker-pair.js');
    const peer = rawPeer(new Calculator(), { hello: false });
    peer.send([[0, 999, {}]]);
    await tick();
    expect(peer.closes[0]?.code).toBe(CloseCode.VERSION_MISMATCH);
    const goodbye = peer.of(5)[0];
    expect(goodbye?.[1]).toBe('HUB_ERR_PROTOCOL_VERSION');
    await expect(peer.broker.ready).rejects.toMatchObject({ code: 'HUB_ERR_PROTOCOL_VERSION' });
    await a.ready;
  });

  it('closes a peer that never says hello', async () => {
    const { rawPeer } = await import('../support/broker-pair.js');
    const peer = rawPeer(new Calculator(), { hello: false });
    peer.clock.advance(10_000);
    await tick();
    expect(peer.closes[0]?.code).toBe(CloseCode.HANDSHAKE_TIMEOUT);
  });
});

describe('SharedArgs', () => {
  it('carries plain data encoded once, and refuses what belongs to one connection', async () => {
    const { SharedArgs } = await import('../../shared/index.js');
    const { a } = brokerPair({ rootB: new Calculator() });
    const shared = new SharedArgs([{ n: 1, list: ['x'] }]);
    expect(shared.bytes).toBe(Buffer.byteLength(shared.json));
    expect(await a.remoteRoot().callRemote('echo', shared)).toEqual({ n: 1, list: ['x'] });
    expect(() => new SharedArgs([new Date()])).toThrow(/plain JSON/);
    expect(() => new SharedArgs([new Calculator()])).toThrow(/references/);
  });

  it('fails a shared call over the frame limit locally', async () => {
    const { SharedArgs } = await import('../../shared/index.js');
    const { a } = brokerPair({ rootB: new Calculator(), limits: { maxFrameBytes: 1024 } });
    await expect(
      a.remoteRoot().callRemote('echo', new SharedArgs(['x'.repeat(2000)])),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_TOO_LARGE',
    });
  });
});
