import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloseCode, ERROR_CODES, Referenceable } from '../../shared/index.js';
import { rawPeer } from '../support/broker-pair.js';
import { tick } from '../support/deferred.js';

class Target extends Referenceable {
  remote_echo(v: unknown): unknown {
    return v;
  }
}

const CODES = new Set(Object.keys(ERROR_CODES));
const CLOSES = new Set<number>(Object.values(CloseCode));
const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'json',
  'meta',
  'values',
  'v',
  'r',
  'class',
];

/** Values biased toward what breaks decoders: prototype keys, superjson annotations, odd numbers. */
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.constantFrom(...KEYS),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...KEYS)), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Messages shaped like zhub's (or almost): opcodes, ids, targets, methods, payloads, annotations. */
const message = fc.tuple(
  fc.oneof(fc.integer({ min: -2, max: 7 }), hostileValue),
  fc.oneof(fc.integer({ min: -1, max: 5 }), hostileValue),
  fc.oneof(fc.integer({ min: -1, max: 3 }), hostileValue),
  fc.oneof(fc.constantFrom('echo', ...KEYS), hostileValue),
  fc.oneof(fc.array(hostileValue, { maxLength: 3 }), hostileValue),
  fc.oneof(
    fc.constant(undefined),
    hostileValue,
    fc.record({ values: hostileValue, v: fc.constant(1) }),
  ),
);

const frame = fc.oneof(
  fc.string(),
  fc.array(message, { minLength: 1, maxLength: 4 }).map((ms) => JSON.stringify(ms)),
  hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
);

describe('arbitrary frames (property test)', () => {
  it('never crash the broker, never touch Object.prototype, and only produce clean errors', async () => {
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        const peer = rawPeer(new Target());
        peer.send(text);
        await tick();
        expect(Object.keys(Object.prototype)).toEqual([]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        for (const m of peer.received) {
          if (m[0] === 3) expect(CODES.has((m[2] as { code: string }).code)).toBe(true);
          if (m[0] === 5) expect(CODES.has(m[1] as string)).toBe(true);
        }
        for (const c of peer.closes) expect(CLOSES.has(c.code)).toBe(true);
        // Still open, or closed with a goodbye that says why.
        if (peer.broker.closed) expect(peer.received.some((m) => m[0] === 5)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
