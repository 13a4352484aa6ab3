// A bench process holding several listening daemons: each applies pushed device configs to
// its own map and reports when it holds the generation the parent asked about.
import { connectHub } from '../daemons/index.js';
import { Referenceable } from '../shared/index.js';
import { BENCH_PASSWORD, BENCH_USER } from './targets.js';

const [url, countArg, prefix] = process.argv.slice(2) as [string, string, string];
let expect = { round: -1, n: 0 };

class Listener extends Referenceable {
  readonly devices = new Map<string, { properties: { generation?: number } }>();
  reported = -1;
  constructor(readonly index: number) {
    super();
  }
  remote_updateDeviceConfigs(devices: { id: string; properties: { generation?: number } }[]): void {
    for (const d of devices) this.devices.set(d.id, d);
    this.check();
  }
  remote_deleteDevices(ids: string[]): void {
    for (const id of ids) this.devices.delete(id);
  }
  remote_notifyConfigChanged(): void {
    process.send?.({ reload: this.index });
  }
  check(): void {
    if (this.reported === expect.round) return;
    let n = 0;
    for (const d of this.devices.values()) if (d.properties.generation === expect.round) n++;
    if (n >= expect.n) {
      this.reported = expect.round;
      process.send?.({ applied: this.index, at: Date.now() });
    }
  }
}

const listeners = Array.from({ length: Number(countArg) }, (_, i) => new Listener(i));
await Promise.all(
  listeners.map(async (l) => {
    const c = await connectHub({
      url,
      username: BENCH_USER,
      password: BENCH_PASSWORD,
      name: `${prefix}-${l.index}`,
      type: 'bench',
    });
    await c.getService('ConfigService', { listener: l });
  }),
);
process.on('message', (m: { round: number; n: number }) => {
  expect = m;
});
process.send?.({ ready: true });
