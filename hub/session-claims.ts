import { CloseCode } from '../shared/index.js';
import type { ClaimHooks } from './delivery-claims.js';
import { Session } from './session.js';

/** Errors that mean a probed connection is gone; any other answer shows it alive. */
const GONE = new Set(['HUB_ERR_TIMEOUT', 'HUB_ERR_CONNECTION_LOST', 'HUB_ERR_DEAD_REFERENCE']);

/** How delivery claims act on the hub's sessions: evict, probe and tell through their brokers. */
export function sessionClaimHooks(now: () => number): ClaimHooks {
  return {
    evict: (old, by) => {
      if (old instanceof Session)
        old.broker.abort(
          'HUB_ERR_SUPERSEDED',
          CloseCode.SUPERSEDED,
          `daemon '${by.daemon}' delivers from another connection (${by.address})`,
        );
    },
    // Any answer, even an error, shows the holder's connection is alive.
    probe: (holder, ms) =>
      holder instanceof Session
        ? holder.broker
            .remoteRoot()
            .callRemoteWithOptions({ timeoutMs: ms }, 'getName')
            .catch((err: unknown) => {
              if (GONE.has((err as { code?: string }).code ?? '')) throw err;
            })
        : Promise.reject(new Error('not a session')),
    tell: (holder, dup) => {
      if (holder instanceof Session)
        holder.broker
          .remoteRoot()
          .callRemote('notifyDuplicate', { address: dup.address })
          .catch(() => undefined);
    },
    now,
  };
}
