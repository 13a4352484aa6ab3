import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript config module, without declarations
import { boundaries } from '../../eslint.boundaries.js';

/** Lints `code` as if it were the file `path` of this repository, with the layer rules only. */
async function violations(path: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [{ languageOptions: { parser: tseslint.parser } }, ...(boundaries as [])],
  });
  const [result] = await eslint.lintText(code, { filePath: path });
  return (result?.messages ?? []).map((m) => m.message);
}

describe('the layers (eslint.boundaries.js, run by npm test)', () => {
  it('refuses hub/ importing services/, daemons/ or bin/', async () => {
    expect(
      await violations('hub/x.ts', "import { builtinServices } from '../services/index.js';\n"),
    ).toEqual([expect.stringMatching(/this layer must not import services\/ \(see eslint/)]);
    expect(await violations('hub/model/x.ts', "import '../../daemons/index.js';\n")).toHaveLength(
      1,
    );
    // A dynamic import too (how the hub once reached services/ around the import cycle).
    expect(
      await violations('hub/x.ts', "const m = await import('../services/index.js');\n"),
    ).toEqual(['this layer must not import services/ (see eslint.boundaries.js)']);
    expect(await violations('hub/x.ts', "import { Broker } from '../shared/index.js';\n")).toEqual(
      [],
    );
  });

  it('keeps daemons/ to shared/, and shared/ to itself', async () => {
    expect(
      await violations('daemons/x.ts', "import { Hub } from '../hub/index.js';\n"),
    ).toHaveLength(1);
    expect(
      await violations('daemons/x.ts', "import { HubClient } from './hub-client.js';\n"),
    ).toEqual([]);
    expect(
      await violations('shared/rpc/x.ts', "import type { Hub } from '../../hub/index.js';\n"),
    ).toHaveLength(1);
    expect(await violations('shared/x.ts', "import { z } from 'zod';\n")).toEqual([]);
  });

  it('holds for the repository as it is', async () => {
    const eslint = new ESLint({
      overrideConfigFile: true,
      overrideConfig: [{ languageOptions: { parser: tseslint.parser } }, ...(boundaries as [])],
    });
    const results = await eslint.lintFiles(['shared', 'hub', 'daemons', 'services']);
    const found = results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.message}`));
    expect(found).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
  });
});
