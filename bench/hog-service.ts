// The lanes bench's hog: a service whose call burns 500 ms of CPU, as a badly behaved user
// module would. Where it runs (loop or worker lane) is the hub config's routing.
import { HubService } from '../hub/index.js';

export class HogService extends HubService {
  static override moduleUrl = import.meta.url;

  remote_hog(ms: number): number {
    const end = performance.now() + ms;
    let n = 0;
    while (performance.now() < end) n++;
    return n;
  }
}
