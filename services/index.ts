// The built-in services, registered by every hub unless told otherwise.
import type { ServiceClass } from '../hub/index.js';
import { AddService } from './add-service.js';
import { ConfigService } from './config-service.js';
import { EventService } from './event-service.js';
import { MetricService } from './metric-service.js';

export { AddService, ConfigService, EventService, MetricService };

export const builtinServices: readonly ServiceClass[] = [
  AddService,
  ConfigService,
  EventService,
  MetricService,
];
