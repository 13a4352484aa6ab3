import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ZHubError, type ErrorCode } from '../../shared/index.js';

describe('docs/errors.md', () => {
  it('lists every error code, and only codes that exist', async () => {
    const page = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Set(
      [...page.matchAll(/^\|\s*`(HUB_ERR_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]),
    );
    const defined = new Set(Object.keys(ERROR_CODES));
    expect([...defined].filter((c) => !documented.has(c))).toEqual([]);
    expect([...documented].filter((c) => !defined.has(c as string))).toEqual([]);
  });

  it('states retryability as the code does', async () => {
    const page = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    let rows = 0;
    for (const m of page.matchAll(/^\|\s*`(HUB_ERR_[A-Z_]+)`\s*\|\s*(yes|no)\s*\|/gm)) {
      expect([m[1], new ZHubError(m[1] as ErrorCode, '').retryable]).toEqual([
        m[1],
        m[2] === 'yes',
      ]);
      rows++;
    }
    expect(rows).toBe(Object.keys(ERROR_CODES).length);
  });

  it('mentions no code in the source tree that is not defined', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(
      'grep',
      ['-rhoE', 'HUB_ERR_[A-Z_]+', 'shared', 'hub', 'services', 'daemons', 'bin'],
      {
        encoding: 'utf8',
      },
    );
    const used = new Set(out.split('\n').filter(Boolean));
    const defined = new Set(Object.keys(ERROR_CODES));
    expect([...used].filter((c) => !defined.has(c))).toEqual([]);
  });
});
