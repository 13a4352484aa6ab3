import type { DataLimits } from '../../shared/index.js';
import { ZHubError } from '../../shared/index.js';
import type { ServiceEnvironment } from '../hub-service.js';
import type { Store } from '../store/store.js';
import type { MetricMessage } from './worker-protocol.js';

function loopOnly(what: string): never {
  throw new ZHubError(
    'HUB_ERR_LOOP_ONLY',
    `env.${what} exists only on the hub's loop, not in a worker lane: route this method to 'loop'`,
  );
}

/**
 * What a service instance in a worker lane sees as its environment: its own store
 * connection, the hub's limits and metrics (sent to the hub), and model-change subscriptions
 * that do nothing — the hub's own instance of the service is the one subscribed, and it
 * pushes to the listeners. Claims, ingest, heartbeats and refusals are the loop's alone
 * (HUB_ERR_LOOP_ONLY).
 */
export function workerEnvironment(
  store: Store,
  limits: Record<string, unknown>,
  post: (m: MetricMessage) => void,
): ServiceEnvironment {
  const unsubscribe = (): void => undefined;
  const env = {
    store,
    limits: limits as unknown as DataLimits,
    changes: {
      subscribe: () => unsubscribe,
      observe: () => unsubscribe,
      publish: () => loopOnly('changes.publish'),
      subscribeTemplates: () => unsubscribe,
      observeTemplates: () => unsubscribe,
      publishTemplates: () => loopOnly('changes.publishTemplates'),
    },
    metrics: {
      pushDuration: {
        observe: (value: number) =>
          post({ t: 'metric', name: 'pushDuration', labels: undefined, value }),
      },
      ingested: {
        inc: (labels: Record<string, string>, value = 1) =>
          post({ t: 'metric', name: 'ingested', labels, value }),
      },
    },
  };
  for (const what of ['heartbeats', 'ingest', 'refusals', 'claims'])
    Object.defineProperty(env, what, { get: () => loopOnly(what), enumerable: false });
  return env as unknown as ServiceEnvironment;
}
