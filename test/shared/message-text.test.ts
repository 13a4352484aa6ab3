// Call and answer texts written by hand for plain values must be exactly what the general
// encoder writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerText, callText } from '../../shared/rpc/message-text.js';
import { encodeValue, type RefContext } from '../../shared/rpc/value-codec.js';

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

describe('message text', () => {
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
