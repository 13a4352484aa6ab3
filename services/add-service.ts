import { HubService } from '../hub/index.js';
import { AddContract } from '../shared/index.js';

/** The seed example: `callRemote('add', x, y)` answers `x + y` (arguments checked by AddContract). */
export class AddService extends HubService {
  static override contract = AddContract;

  remote_add(x: number, y: number): number {
    return x + y;
  }
}
