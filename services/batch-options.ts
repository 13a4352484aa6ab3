import { ZHubError } from '../shared/index.js';

/** Options a daemon may pass with a batch: `{ after }`, the last seq of the batch before it. */
export function batchAfter(options: unknown): number | undefined {
  if (options === undefined || options === null) return undefined;
  const after = (options as { after?: unknown }).after;
  if (
    typeof options !== 'object' ||
    Array.isArray(options) ||
    (after !== undefined && (!Number.isSafeInteger(after) || (after as number) < 0))
  ) {
    throw new ZHubError(
      'HUB_ERR_BAD_ARGUMENT',
      'batch options are { after?: the last seq of the previous batch }',
      {
        data: { field: 'options.after' },
      },
    );
  }
  return after as number | undefined;
}
