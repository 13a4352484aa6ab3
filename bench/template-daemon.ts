// The template bench's daemon, a process of its own: holds N devices bound to one template
// and reports (IPC) when it has all of them, then, after each pushed template edit, when every
// one of its devices is rescheduled at the template's new interval.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectorDaemon,
  type CollectContext,
  type CollectResult,
  type Collector,
} from '../daemons/index.js';
import { silentLogger } from '../shared/index.js';

const [url, user, password, name, nArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const n = Number(nArg);

class Idle implements Collector {
  readonly type = 'idle';
  collect(_ctx: CollectContext): Promise<CollectResult> {
    return Promise.resolve({ values: [] });
  }
}

class Reporting extends CollectorDaemon {
  override remote_updateTemplates(templates: unknown): void {
    super.remote_updateTemplates(templates);
    const interval = this.templates.get('edge')?.datasources[0]?.interval;
    if (interval !== undefined && this.scheduler.has(`d${n - 1}@${interval}s`))
      process.send?.({ done: interval, at: Date.now() });
  }
}

const daemon = new Reporting({
  url,
  username: user,
  password,
  name,
  dataDir: mkdtempSync(join(tmpdir(), 'zhub-tpl-d-')),
  collectors: [new Idle()],
  logger: silentLogger(),
});
await daemon.startCollecting();
const wait = setInterval(() => {
  if (daemon.devices.size === n && daemon.scheduler.has('d0@300s')) {
    clearInterval(wait);
    process.send?.({ ready: true });
  }
}, 20);
process.on('disconnect', () => void daemon.stop().then(() => process.exit(0)));
