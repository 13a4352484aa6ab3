// The public names of services/: zhub's own services, and the hub built with them.
export { AddService } from './add-service.js';
export { ConfigService } from './config-service.js';
export { ConfigPush } from './config-push.js';
export type { PushStats } from './config-push.js';
export { EventService } from './event-service.js';
export { MetricService } from './metric-service.js';
export { builtinServices } from './builtin.js';
export { buildHub } from './build-hub.js';
export type { HubOptions } from './build-hub.js';
