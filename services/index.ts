// The built-in services, registered by every hub unless told otherwise.
import type { ServiceClass } from '../hub/index.js';
import { AddService } from './add-service.js';

export { AddService };

export const builtinServices: readonly ServiceClass[] = [AddService];
