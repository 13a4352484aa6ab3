import { buildHubServer, type HubServerOptions, type ZHub } from '../hub/index.js';
import { builtinServices } from './builtin.js';

export interface HubOptions extends HubServerOptions {
  /** Register zhub's own services (ConfigService, EventService, MetricService, AddService); default true. */
  builtinServices?: boolean;
}

/**
 * Builds a hub with zhub's built-in services and yours: fastify with @fastify/websocket, the
 * daemon endpoint at `/hub`, the HTTP API and the status page. Never listens: the caller does
 * (`await zhub.app.listen({ port, host })`).
 */
export function buildHub(options: HubOptions = {}): Promise<ZHub> {
  const { builtinServices: builtins, services, ...rest } = options;
  return buildHubServer({
    ...rest,
    services: [...(builtins === false ? [] : builtinServices), ...(services ?? [])],
  });
}
