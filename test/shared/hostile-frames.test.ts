import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, Referenceable } from '../../shared/index.js';
import { rawPeer } from '../support/broker-pair.js';
import { tick } from '../support/deferred.js';

class Echo extends Referenceable {
  remote_echo(v: unknown): unknown {
    return v;
  }
  remote_keys(v: Record<string, unknown>): string[] {
    return Object.keys(v);
  }
}

const ERROR = 3;
const ANSWER = 2;

function protoIsClean(): boolean {
  const probe = {} as Record<string, unknown>;
  return (
    probe.polluted === undefined &&
    probe.x === undefined &&
    Object.keys(Object.prototype).length === 0
  );
}

describe('hostile frames', () => {
  afterEach(() => {
    expect(protoIsClean()).toBe(true);
  });

  it.each([
    [
      'superjson value path through __proto__',
      [[1, 1, 0, 'echo', [{ a: 1 }], { values: { '0.__proto__.polluted': ['undefined'] }, v: 1 }]],
    ],
    [
      'superjson referential path through constructor.prototype',
      [
        [
          1,
          2,
          0,
          'echo',
          [{ a: {}, b: 1 }],
          { referentialEqualities: { '0.a': ['0.constructor.prototype.polluted'] }, v: 1 },
        ],
      ],
    ],
    [
      'superjson path through prototype',
      [
        [
          1,
          3,
          0,
          'echo',
          [{ prototype: { x: 1 } }],
          { values: { '0.prototype.x': ['undefined'] }, v: 1 },
        ],
      ],
    ],
  ])('refuses %s without polluting Object.prototype', async (_what, frame) => {
    const peer = rawPeer(new Echo());
    peer.send(frame);
    await tick();
    const errors = peer.of(ERROR);
    expect(errors).toHaveLength(1);
    expect((errors[0]?.[2] as { code: string }).code).toBe('HUB_ERR_BAD_MESSAGE');
    expect(peer.broker.closed).toBe(false);
  });

  it('refuses own __proto__ keys in plain JSON payloads', async () => {
    const peer = rawPeer(new Echo());
    peer.send('[[1,1,0,"keys",[{"__proto__":{"polluted":true},"ok":1}]]]');
    await tick();
    expect((peer.of(ERROR)[0]?.[2] as { code: string }).code).toBe('HUB_ERR_BAD_MESSAGE');
    peer.send('[[1,2,0,"echo",["__proto__ as a string value is fine"]]]');
    await tick();
    expect(peer.of(ANSWER)[0]?.[2]).toBe('__proto__ as a string value is fine');
  });

  it('refuses a forged copy tag and keeps serving', async () => {
    const peer = rawPeer(new Echo());
    peer.send([
      [1, 1, 0, 'echo', [{ x: 1 }], { values: { '0': [['class', 'no.such.Tag']] }, v: 1 }],
    ]);
    peer.send([[1, 2, 0, 'echo', ['still here']]]);
    await tick();
    expect((peer.of(ERROR)[0]?.[2] as { code: string; message: string }).code).toBe(
      'HUB_ERR_UNKNOWN_COPYABLE',
    );
    expect(peer.of(ANSWER)[0]?.[2]).toBe('still here');
  });

  it('refuses a forged reference to an object never exported', async () => {
    const peer = rawPeer(new Echo());
    peer.send([[1, 1, 0, 'echo', [[1, 99]], { values: { '0': [['custom', 'r']] }, v: 1 }]]);
    await tick();
    expect((peer.of(ERROR)[0]?.[2] as { code: string }).code).toBe('HUB_ERR_NO_SUCH_OBJECT');
  });

  it('answers a call on an unknown object id and a non-string method name with clean errors', async () => {
    const peer = rawPeer(new Echo());
    peer.send([
      [1, 1, 42, 'echo', []],
      [1, 2, 0, 7, []],
      [1, 3, 0, { toString: 'x' }, []],
      [1, 4, 0, 'echo', 'not-an-array'],
    ]);
    await tick();
    const codes = peer.of(ERROR).map((m) => (m[2] as { code: string }).code);
    expect(codes).toEqual([
      'HUB_ERR_NO_SUCH_OBJECT',
      'HUB_ERR_NO_SUCH_METHOD',
      'HUB_ERR_NO_SUCH_METHOD',
      'HUB_ERR_BAD_MESSAGE',
    ]);
    expect(peer.broker.closed).toBe(false);
  });

  it('ignores answers and errors for unknown request ids', async () => {
    const peer = rawPeer(new Echo());
    peer.send([
      [2, 12345, 'who asked?'],
      [3, 777, { type: 'Error' }],
      [2, -1, 0],
    ]);
    await tick();
    expect(peer.broker.closed).toBe(false);
    expect(peer.broker.stats.unknownAnswers).toBe(3);
  });

  it.each([
    ['invalid JSON', '[[1,1,0,"echo",[1]', CloseCode.PROTOCOL_ERROR, 'HUB_ERR_PROTOCOL'],
    ['a non-array frame', '{"op":1}', CloseCode.PROTOCOL_ERROR, 'HUB_ERR_PROTOCOL'],
    ['an empty frame', '[]', CloseCode.PROTOCOL_ERROR, 'HUB_ERR_PROTOCOL'],
    ['a message without an opcode', '[["call"]]', CloseCode.PROTOCOL_ERROR, 'HUB_ERR_PROTOCOL'],
    ['an unknown opcode', '[[99]]', CloseCode.PROTOCOL_ERROR, 'HUB_ERR_PROTOCOL'],
    [
      'a call without a request id',
      '[[1,"x",0,"echo",[]]]',
      CloseCode.PROTOCOL_ERROR,
      'HUB_ERR_PROTOCOL',
    ],
    [
      'deep nesting (100,000 levels)',
      `[[1,1,0,"echo",${'['.repeat(100_000)}${']'.repeat(100_000)}]]`,
      CloseCode.POLICY_VIOLATION,
      'HUB_ERR_TOO_DEEP',
    ],
    ['a second hello', '[[0,1,{}]]', CloseCode.PROTOCOL_ERROR, 'HUB_ERR_PROTOCOL'],
  ])('closes the connection on %s with a goodbye', async (_what, frame, closeCode, code) => {
    const peer = rawPeer(new Echo(), { limits: { maxFrameBytes: 1_000_000 } });
    peer.send(frame);
    await tick();
    expect(peer.closes[0]?.code).toBe(closeCode);
    expect(peer.of(5)[0]?.[1]).toBe(code);
  });

  it('closes with 1009 on an oversized frame', async () => {
    const peer = rawPeer(new Echo(), { limits: { maxFrameBytes: 1000 } });
    peer.send(`[[1,1,0,"echo",["${'x'.repeat(2000)}"]]]`);
    await tick();
    expect(peer.closes[0]?.code).toBe(CloseCode.TOO_BIG);
  });

  it('closes with 1003 on a binary frame', async () => {
    const peer = rawPeer(new Echo());
    peer.raw.peer.handlers?.message(Buffer.from([1, 2, 3]), true);
    await tick();
    expect(peer.closes[0]?.code).toBe(CloseCode.UNSUPPORTED_DATA);
  });

  it('refuses messages sent before the hello', async () => {
    const peer = rawPeer(new Echo(), { hello: false });
    peer.send([[1, 1, 0, 'echo', [1]]]);
    await tick();
    expect(peer.closes[0]?.code).toBe(CloseCode.PROTOCOL_ERROR);
    expect(peer.of(ANSWER)).toHaveLength(0);
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const peer = rawPeer(new Echo(), { limits: { maxDepth: 8 } });
    const s = '[[[[[[[[[[[[[[[[[[[["\\"';
    peer.send([[1, 1, 0, 'echo', [s]]]);
    await tick();
    expect(peer.of(ANSWER)[0]?.[2]).toBe(s);
  });
});
