import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const PERFORMANCE = fileURLToPath(new URL('../docs/performance.md', import.meta.url));

/**
 * Replaces the generated section `name` of the page at `path` (between its
 * `<!-- <kind>:<name>:start/end -->` markers), leaving the rest of the page — prose and other
 * generated sections — as it is. A section not there yet is appended.
 */
export async function writeMarkedSection(
  path: string,
  kind: string,
  name: string,
  body: string,
): Promise<void> {
  const start = `<!-- ${kind}:${name}:start -->`;
  const end = `<!-- ${kind}:${name}:end -->`;
  let page = await readFile(path, 'utf8');
  const block = `${start}\n${body}\n${end}`;
  const i = page.indexOf(start);
  const j = page.indexOf(end);
  page =
    i >= 0 && j > i
      ? page.slice(0, i) + block + page.slice(j + end.length)
      : `${page.trimEnd()}\n\n${block}\n`;
  await writeFile(path, page);
}

/** Replaces the bench section `name` of docs/performance.md. */
export function writeSection(name: string, body: string): Promise<void> {
  return writeMarkedSection(PERFORMANCE, 'bench', name, body);
}
