import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { deviceInputSchema } from '../../hub/index.js';
import { ZHubError } from '../../shared/index.js';

/**
 * Reads devices from a JSON file (an array, or `{ "devices": [...] }`) or a CSV file (columns
 * id, title, address, collector; `prop.NAME` columns become properties; a `datasources`
 * column holds JSON). Every row is checked before anything is sent, with progress reported.
 */
export async function readDeviceFile(
  path: string,
  progress: (done: number, total: number) => void,
): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  let rows: unknown[];
  if (extname(path).toLowerCase() === '.csv') {
    const records = parse<Record<string, string>>(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
    });
    rows = records.map((r, i) => csvDevice(r, i));
  } else {
    const parsed = JSON.parse(text) as unknown;
    const list = Array.isArray(parsed) ? parsed : (parsed as { devices?: unknown }).devices;
    if (!Array.isArray(list))
      throw new ZHubError(
        'HUB_ERR_BAD_ARGUMENT',
        `${path}: expected an array of devices or { "devices": [...] }`,
      );
    rows = list;
  }
  const problems: string[] = [];
  rows.forEach((row, i) => {
    const r = deviceInputSchema.safeParse(row);
    if (!r.success)
      problems.push(
        ...r.error.issues.map((x) => `row ${i + 1}: ${x.path.join('.')}: ${x.message}`),
      );
    if (i % 500 === 0 || i === rows.length - 1) progress(i + 1, rows.length);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).join('\n  ');
    throw new ZHubError(
      'HUB_ERR_BAD_ARGUMENT',
      `${path}: ${problems.length} problem(s), nothing imported:\n  ${shown}`,
    );
  }
  return rows;
}

function csvDevice(r: Record<string, string>, i: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r))
    if (k.startsWith('prop.') && v !== '') properties[k.slice(5)] = v;
  let datasources: unknown = undefined;
  if (r.datasources) {
    try {
      datasources = JSON.parse(r.datasources);
    } catch {
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', `row ${i + 1}: datasources is not valid JSON`);
    }
  }
  return {
    id: r.id,
    ...(r.title ? { title: r.title } : {}),
    address: r.address,
    ...(r.collector ? { collector: r.collector } : {}),
    properties,
    ...(datasources === undefined ? {} : { datasources }),
  };
}

/** A one-line progress bar on a terminal; nothing when output is not a terminal. */
export function progressBar(label: string): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (done, total) => {
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    process.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`,
    );
    if (done === total) process.stderr.write('\n');
  };
}
