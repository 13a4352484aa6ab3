import { ZHubError } from '../../../shared/index.js';

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
