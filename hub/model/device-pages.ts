import { z } from 'zod';
import { RawJson, ZHubError, type DeviceConfigPage, type PageLimits } from '../../shared/index.js';

export type { DeviceConfigPage };
import type { ModelStore } from '../store/store.js';

export type { PageLimits } from '../../shared/index.js';

const cursorSchema = z.object({
  v: z.literal(1),
  since: z.number().finite().nonnegative(),
  asOf: z.number().finite().nonnegative(),
  after: z.string().max(4096),
});
type Cursor = z.infer<typeof cursorSchema>;

/** Bytes a device id costs in a page besides its text (quotes and comma). */
const ID_OVERHEAD = 3;

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const r = cursorSchema.safeParse(parsed);
  if (!r.success) {
    throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'cursor is not one this hub gave out', {
      data: { field: 'cursor' },
    });
  }
  return r.data;
}

/**
 * Reads one page (a {@link DeviceConfigPage}, already encoded) of `collector`'s devices for a pull since `since` (0: everything), or the
 * page after `cursor`. The hub keeps no state between pages: the cursor holds where the pull
 * is, so a pull resumes on a reconnect, on a restarted hub or on another hub of the store.
 * No page grows with the monitor: at most `pullPageDevices` whole devices or about
 * `pullPageBytes` of them, and at most `pullPageIds` ids.
 */
export async function readDevicePage(
  store: ModelStore,
  collector: string,
  since: number,
  cursorText: string | null,
  limits: PageLimits,
  now: number,
): Promise<RawJson> {
  const cursor =
    cursorText === null ? { v: 1 as const, since, asOf: now, after: '' } : decodeCursor(cursorText);
  const c = await store.getCollector(collector);
  if (!c)
    throw new ZHubError('HUB_ERR_NO_SUCH_MONITOR', `collector '${collector}' no longer exists`);
  const { stamps, end } = await store.deviceStamps(
    collector,
    cursor.after,
    cursor.since,
    limits.pullPageDevices,
    limits.pullPageIds,
    limits.pullPageBytes,
  );
  const wanted: string[] = [];
  const unchanged: string[] = [];
  let bytes = 0;
  let last = cursor.after;
  let taken = 0;
  for (const s of stamps) {
    // >= : a change committed in the same millisecond as the previous pull began is sent again, never missed.
    if (s.updatedAt >= cursor.since) {
      const full =
        wanted.length >= limits.pullPageDevices || bytes + s.bytes > limits.pullPageBytes;
      if (full && wanted.length > 0) break;
      wanted.push(s.id);
      bytes += s.bytes;
    } else {
      if (bytes + s.id.length + ID_OVERHEAD > limits.pullPageBytes && taken > 0) break;
      unchanged.push(s.id);
      bytes += s.id.length + ID_OVERHEAD;
    }
    last = s.id;
    taken++;
  }
  // Between the two reads a device may have gone or moved: it is then in neither list, and the
  // daemon removes it at the end of the pull, as it should (the push tells it the rest).
  const devices = (await store.deviceTexts(wanted)).filter((d) => d.collector === collector);
  // Every stamp taken and none after them: the pull is complete.
  const done = end && taken === stamps.length;
  const next = done ? null : encodeCursor({ ...cursor, after: last });
  // The page as JSON around the devices' own text: a page is never parsed and encoded again.
  return new RawJson(
    `{"devices":[${devices.map((d) => d.json).join(',')}],"unchanged":${JSON.stringify(unchanged)},` +
      `"cursor":${JSON.stringify(next)},"generation":${Number(c.generation)},"asOf":${Number(cursor.asOf)}}`,
  );
}
