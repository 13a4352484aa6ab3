import { ZHubError } from '../../shared/index.js';

/**
 * The continuation rule of a pipelined batch: it may be stored only once the batch it follows
 * (the one ending at `after`) is stored, i.e. the daemon's mark has reached `after`.
 */
export function checkContinues(stream: string, mark: number, after: number | undefined): void {
  if (after !== undefined && mark < after) {
    throw new ZHubError(
      'HUB_ERR_OUT_OF_ORDER',
      `${stream} batch follows item ${after}, but only items up to ${mark} are stored; send from ${mark + 1} again`,
      { data: { mark, after } },
    );
  }
}

/** What one batch does against the daemon's mark. */
export interface BatchSplit<T> {
  /** Items above the mark, to store, in batch order. */
  fresh: T[];
  /** The mark after this batch (past refused malformed items too). */
  top: number;
  /** Items at or below the mark: stored before, acknowledged again. */
  duplicates: number;
}

/**
 * The exactly-once rule of one batch, the same in every store, run inside the transaction
 * that read `mark` and will store the fresh items and advance the mark: refuses a batch that
 * would overtake its predecessor (`after`), and splits the items at the mark.
 */
export function splitAtMark<T extends { seq: number }>(
  stream: string,
  mark: number,
  items: readonly T[],
  rejectedMaxSeq: number,
  after: number | undefined,
): BatchSplit<T> {
  checkContinues(stream, mark, after);
  let top = Math.max(mark, rejectedMaxSeq);
  const fresh: T[] = [];
  for (const item of items) {
    if (item.seq <= mark) continue;
    if (item.seq > top) top = item.seq;
    fresh.push(item);
  }
  return { fresh, top, duplicates: items.length - fresh.length };
}
