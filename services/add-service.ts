import { HubService } from '../hub/index.js';
import { ZHubError } from '../shared/index.js';

/** The seed example: `callRemote('add', x, y)` answers `x + y`. */
export class AddService extends HubService {
  static override serviceName = 'AddService';

  remote_add(x: unknown, y: unknown): number {
    if (typeof x !== 'number' || typeof y !== 'number') {
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'add(x, y) takes two numbers');
    }
    return x + y;
  }
}
