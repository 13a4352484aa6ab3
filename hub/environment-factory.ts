import type { Clock, DataLimits, Logger } from '../shared/index.js';
import { ZHubError } from '../shared/index.js';
import { DeliveryClaims } from './delivery-claims.js';
import { HeartbeatMonitor } from './heartbeats.js';
import type { HubEnvironment } from './hub-environment.js';
import { HubMetrics, type LiveFigures } from './hub-metrics.js';
import { DeviceModel } from './model/device-model.js';
import { ModelChanges } from './model/model-changes.js';
import { Refusals } from './refusals.js';
import { sessionClaimHooks } from './session-claims.js';
import type { Store } from './store/store.js';

/** The hub-wide collaborators over `store`, wired to each other: what services are given. */
export function createEnvironment(
  store: Store,
  clock: Clock,
  log: Logger,
  limits: DataLimits,
  live: LiveFigures,
): HubEnvironment {
  const changes = new ModelChanges(log);
  const metrics = new HubMetrics(live);
  return {
    store,
    changes,
    model: new DeviceModel(store, changes),
    heartbeats: new HeartbeatMonitor(store, clock, log),
    ingest: store.writer({
      maxQueued: limits.maxIngestQueue,
      onFull: () =>
        new ZHubError('HUB_ERR_STORE', 'the hub is behind on writes; retry the batch', {
          retryable: true,
        }),
      onCommit: (seconds) => metrics.commitDuration.observe(seconds),
      onStoreError: (err) =>
        log.error({ err }, 'the store failed a write; the hub reports itself unready'),
    }),
    metrics,
    limits,
    refusals: new Refusals(store, clock, log, metrics, limits.maxDeadLetters),
    claims: new DeliveryClaims(
      log,
      sessionClaimHooks(() => clock.now()),
    ),
  };
}
