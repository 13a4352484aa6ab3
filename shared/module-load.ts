import { execFileSync } from 'node:child_process';

/**
 * `file:line` of a JavaScript module's syntax error: an ES module's import does not say
 * where, so `node --check` is asked (on this rare path only).
 */
function syntaxErrorAt(path: string): string | undefined {
  if (!/\.m?js$/.test(path)) return undefined;
  try {
    execFileSync(process.execPath, ['--check', path], { stdio: 'pipe', timeout: 5_000 });
  } catch (err) {
    const first = String((err as { stderr?: Buffer }).stderr ?? '').split('\n')[0] ?? '';
    if (first.startsWith(path)) return first;
  }
  return undefined;
}

/**
 * Why a module of the user's (a service, a collector) would not load, in words that name the
 * fix: 'zhub' not resolvable from it, TypeScript without a loader, an ES module whose
 * package.json lacks "type": "module", a syntax error with file and line.
 */
export function moduleLoadFailure(path: string, dir: string, err: unknown): string {
  const e = err as { code?: string; message?: string; stack?: string };
  const message = e.message ?? String(err);
  if (e.code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package 'zhub'/.test(message)) {
    return `${path} imports 'zhub', which cannot be found from ${dir}: install zhub in the module's project (npm install zhub), or put the folder inside a project that has it`;
  }
  if (e.code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.m?ts/.test(message)) {
    return `${path} is TypeScript and zhub runs without a TypeScript loader: build the module to JavaScript in its project (tsc), or run zhub with one (node --import tsx ...)`;
  }
  if (
    e.code === 'ERR_REQUIRE_ESM' ||
    e.code === 'ERR_REQUIRE_CYCLE_MODULE' ||
    /Cannot use import statement outside a module|in a cycle/.test(message)
  ) {
    return `${path} is written as an ES module (import/export) but its package.json does not say "type": "module": add that to the package.json of its project, or name the file .mjs`;
  }
  if (err instanceof SyntaxError)
    return `${syntaxErrorAt(path) ?? path} has a syntax error: ${message}`;
  return `cannot load service module ${path}: ${message}`;
}
