// The nesting limit is checked two ways — on the text of a large frame before parsing, on the
// parsed tree of a small one — and both must give the same answer at every depth.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exceedsDepth,
  nestsDeeper,
  readFrame,
  TREE_CHECK_BYTES,
} from '../../shared/rpc/frame-reader.js';
import { DEFAULT_RPC_LIMITS } from '../../shared/index.js';

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a') }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const nested = (depth: number, pad = ''): string =>
  `[[1,1,0,"echo",[${'['.repeat(depth)}"${pad}"${']'.repeat(depth)}]]]`;

describe('frame depth', () => {
  it('the tree walk and the text scan agree (strings full of brackets and escapes included)', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), (v, limit) => {
        const text = JSON.stringify(v);
        expect(nestsDeeper(JSON.parse(text), limit)).toBe(exceedsDepth(text, limit));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses one level too many in small and in large frames alike, and allows the limit', () => {
    const max = DEFAULT_RPC_LIMITS.maxDepth;
    const big = 'x'.repeat(TREE_CHECK_BYTES);
    for (const pad of ['', big]) {
      // The envelope and the args array take three levels; the value may nest `max` more.
      const deep = readFrame(nested(max + 1, pad), false, 4 << 20, max);
      expect(deep.ok, pad ? 'large frame' : 'small frame').toBe(false);
      expect(deep.ok ? undefined : deep.code).toBe('HUB_ERR_TOO_DEEP');
      const edge = readFrame(nested(max, pad), false, 4 << 20, max);
      expect(edge.ok, pad ? 'large frame' : 'small frame').toBe(true);
    }
  });
});
