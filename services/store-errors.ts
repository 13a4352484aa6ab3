import type { Awaitable, IngestWriter } from '../hub/index.js';
import { ZHubError } from '../shared/index.js';

/**
 * Runs a store write in the hub's next group commit. Anything the store throws that is not
 * one of zhub's own errors (disk full, read-only file system, a locked database) becomes the
 * retryable HUB_ERR_STORE: the daemon keeps the batch in its spool and sends it again;
 * nothing was acknowledged.
 */
export async function storeWrite<T>(
  ingest: IngestWriter,
  what: string,
  fn: () => Awaitable<T>,
): Promise<T> {
  try {
    return await ingest.submit(fn);
  } catch (err) {
    if (err instanceof ZHubError) throw err;
    throw new ZHubError(
      'HUB_ERR_STORE',
      `${what} could not be committed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
