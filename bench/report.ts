import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const PAGE = fileURLToPath(new URL('../docs/performance.md', import.meta.url));

/**
 * Replaces the generated section `name` of docs/performance.md (between its markers), leaving
 * the rest of the page — prose and other benches' sections — as it is.
 */
export async function writeSection(name: string, body: string): Promise<void> {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let page = await readFile(PAGE, 'utf8');
  const block = `${start}\n${body}\n${end}`;
  const i = page.indexOf(start);
  const j = page.indexOf(end);
  page =
    i >= 0 && j > i
      ? page.slice(0, i) + block + page.slice(j + end.length)
      : `${page.trimEnd()}\n\n${block}\n`;
  await writeFile(PAGE, page);
}
