import type { ServiceClass } from '../hub/index.js';
import { AddService } from './add-service.js';
import { ConfigService } from './config-service.js';
import { EventService } from './event-service.js';
import { MetricService } from './metric-service.js';

/** The built-in services, registered by every hub `buildHub` makes unless told otherwise. */
export const builtinServices: readonly ServiceClass[] = [
  AddService,
  ConfigService,
  EventService,
  MetricService,
];
