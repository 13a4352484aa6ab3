// Values holding references anywhere (a login's answer, getService's arguments) are written and
// read directly: exactly what superjson writes, and read as superjson reads it, hostile
// annotations included.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { codec } from '../../shared/rpc/codec-instance.js';
import { Referenceable } from '../../shared/index.js';
import {
  decodeBySuperjson,
  decodeValue,
  encodeBySuperjson,
  encodeValue,
  type RefContext,
} from '../../shared/rpc/value-codec.js';

class Listener extends Referenceable {}

/** Numbers the references it is given; reads a marker back as a tagged object. */
function context(): RefContext & { made: unknown[] } {
  let next = 1;
  const ids = new Map<object, [number, number]>();
  const made: unknown[] = [];
  return {
    made,
    serializeRef: (r) => {
      let id = ids.get(r);
      if (id === undefined) ids.set(r, (id = [1, next++]));
      return id;
    },
    deserializeRef: (marker) => {
      if (!Array.isArray(marker) || marker.length !== 2) throw new Error('malformed marker');
      const ref = { ref: marker as unknown };
      made.push(ref);
      return ref;
    },
  };
}

const key = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom('a.b', 'a\\b', '\\.', '.', '', '0', 'services', 'constructor'),
);
const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(null).map(() => new Listener()),
  fc.constant(null).map(() => new Listener()),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
  ),
}));

const copyOf = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/**
 * What a call gave: its value as the wire has it (key order aside: superjson's annotations
 * come in an order of its own, which no reader depends on), or that it threw, and how.
 */
function outcome(f: () => unknown): unknown {
  try {
    return { value: JSON.parse(JSON.stringify(f()) ?? 'null') as unknown };
  } catch (err) {
    return { threw: (err as { code?: string }).code ?? (err as Error).message };
  }
}

describe('references at any depth', () => {
  it('are written as superjson writes them', () => {
    fc.assert(
      fc.property(tree, (v) => {
        const mine = outcome(() => encodeValue(v, 64, context()));
        // Plain JSON never reaches superjson (which refuses a key named constructor even there).
        if (
          (mine as { value?: { meta?: unknown } }).value?.meta === undefined &&
          !('threw' in (mine as object))
        )
          return;
        expect(mine).toEqual(outcome(() => encodeBySuperjson(v, context())));
      }),
      { numRuns: 4000 },
    );
  });

  it('a key superjson refuses beside a reference is refused as superjson refuses it', () => {
    expect(() => encodeValue({ constructor: 1, l: new Listener() }, 64, context())).toThrow(
      /constructor/,
    );
  });

  it('writes and reads a login answer without superjson', () => {
    const serialize = vi.spyOn(codec, 'serialize');
    const deserialize = vi.spyOn(codec, 'deserialize');
    try {
      const v = { avatar: new Listener(), services: [new Listener(), null, new Listener()] };
      const enc = encodeValue(v, 64, context());
      expect(enc.meta).toEqual({
        values: {
          avatar: [['custom', 'r']],
          'services.0': [['custom', 'r']],
          'services.2': [['custom', 'r']],
        },
        v: 1,
      });
      const read = context();
      expect(decodeValue(copyOf(enc.json), copyOf(enc.meta), read)).toEqual({
        avatar: { ref: [1, 1] },
        services: [{ ref: [1, 2] }, null, { ref: [1, 3] }],
      });
      expect(serialize).not.toHaveBeenCalled();
      expect(deserialize).not.toHaveBeenCalled();
    } finally {
      serialize.mockRestore();
      deserialize.mockRestore();
    }
  });

  it('a reference met twice is left to superjson, which writes the equality', () => {
    const l = new Listener();
    const enc = encodeValue({ a: l, b: [l] }, 64, context());
    expect(JSON.stringify(enc)).toBe(
      JSON.stringify(encodeBySuperjson({ a: l, b: [l] }, context())),
    );
    expect(JSON.stringify(enc.meta)).toContain('referentialEqualities');
  });

  it('are read as superjson reads them', () => {
    fc.assert(
      fc.property(tree, (v) => {
        let enc;
        try {
          enc = encodeBySuperjson(v, context());
        } catch {
          return; // superjson refuses it (a key named constructor): nothing to read
        }
        if (enc.meta === undefined) return;
        const direct = context();
        const general = context();
        const a = decodeValue(copyOf(enc.json), copyOf(enc.meta), direct);
        const b = decodeBySuperjson(copyOf(enc.json), copyOf(enc.meta), general);
        expect(a).toEqual(b);
        expect(direct.made).toEqual(general.made);
      }),
      { numRuns: 4000 },
    );
  });

  it('hostile annotations end as they do through superjson, and pollute nothing', () => {
    const ref = [['custom', 'r']];
    const cases: [unknown, unknown][] = [
      [{ a: [1, 1] }, { values: { '__proto__.x': ref }, v: 1 }],
      [{ a: [1, 1] }, { values: { 'constructor.prototype': ref }, v: 1 }],
      [{ a: [1, 1] }, { values: { b: ref }, v: 1 }],
      [{ a: [[1, 1]] }, { values: { 'a.1': ref }, v: 1 }],
      [{ a: [[1, 1]] }, { values: { 'a.01': ref }, v: 1 }],
      [{ a: [[1, 1]] }, { values: { 'a.-1': ref }, v: 1 }],
      [{ 'a.b': [1, 1] }, { values: { 'a\\x': ref }, v: 1 }],
      [{ 'a.b': [1, 1] }, { values: { 'a\\.b': ref }, v: 1 }],
      [{ a: 'text' }, { values: { 'a.length': ref }, v: 1 }],
      [
        { a: [1, 1] },
        {
          values: {
            a: [
              ['custom', 'r'],
              ['custom', 'r'],
            ],
          },
          v: 1,
        },
      ],
      [{ a: [1, 1] }, { values: { a: ref }, referentialEqualities: { a: ['b'] }, v: 1 }],
      [[1, 1], { values: ref, v: 1 }],
      [{ a: 5 }, { values: { a: ref }, v: 1 }],
      [{ a: [1, 1] }, { values: {}, v: 1 }],
    ];
    for (const [json, meta] of cases) {
      const read = (decode: typeof decodeValue): unknown =>
        outcome(() => decode(copyOf(json), copyOf(meta), context()));
      expect(read(decodeValue), JSON.stringify([json, meta])).toEqual(read(decodeBySuperjson));
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
