import { HubService } from '../hub/index.js';
import { AddContract } from '../shared/index.js';

/** The seed example: `callRemote('add', x, y)` answers `x + y` (arguments checked by AddContract). */
export class AddService extends HubService {
  // Worker threads import the service from here (see HubService.moduleUrl).
  static override moduleUrl = import.meta.url;
  static override contract = AddContract;

  remote_add(x: number, y: number): number {
    return x + y;
  }
}
