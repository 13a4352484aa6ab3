// Call and answer texts written by hand for plain values must be exactly what the general
// encoder writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerText, callText } from '../../shared/rpc/message-text.js';
import { Referenceable } from '../../shared/index.js';
import { encodeBySuperjson, encodeValue, type RefContext } from '../../shared/rpc/value-codec.js';

const refs: RefContext = {
  serializeRef: () => {
    throw new Error('no references here');
  },
  deserializeRef: () => undefined,
};

const general = (
  op: number,
  id: number,
  target: number,
  method: string,
  args: unknown[],
): string => {
  const enc = encodeValue(args, 64, refs);
  return JSON.stringify(
    enc.meta === undefined
      ? [op, id, target, method, enc.json]
      : [op, id, target, method, enc.json, enc.meta],
  );
};

const flat = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, -1e-7, Number.MAX_VALUE, NaN, Infinity),
  fc.string(),
  fc.constantFrom('"', '\\', '\u2028', '\ud800', '</script>'),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

class Listener extends Referenceable {}

describe('message text', () => {
  it('writes references at the top level (an answer, or among arguments) as superjson does', () => {
    let next = 1;
    const ids = new Map<object, [number, number]>();
    const counting: RefContext = {
      serializeRef: (r) => {
        let id = ids.get(r);
        if (id === undefined) ids.set(r, (id = [1, next++]));
        return id;
      },
      deserializeRef: () => undefined,
    };
    const item = fc.oneof(
      { weight: 2, arbitrary: flat },
      fc.constant(null).map(() => new Listener()),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(item, { maxLength: 6 }), item), (v) => {
        expect(JSON.stringify(encodeValue(v, 64, counting))).toBe(
          JSON.stringify(encodeBySuperjson(v, counting)),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('writes a call of plain arguments as the general encoder does', () => {
    fc.assert(
      fc.property(fc.array(flat, { maxLength: 6 }), fc.string(), (args, method) => {
        expect(callText(7, 3, method, args, 64, refs)).toBe(general(1, 7, 3, method, args));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes a number answer as the general encoder does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer()), (v) => {
        const enc = encodeValue(v, 64, refs);
        const expected = JSON.stringify(
          enc.meta === undefined ? [2, 9, enc.json] : [2, 9, enc.json, enc.meta],
        );
        expect(answerText(9, v, 64, refs)).toBe(expected);
      }),
    );
  });
});
