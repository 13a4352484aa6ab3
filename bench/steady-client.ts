// The storm bench's established daemon: connected before the storm, it offers a steady load —
// 4 callers, each calling `add` then pausing 1 ms — and counts the answers; the parent names windows (`{ op: 'window', name }`) and
// asks for each window's calls/s (`{ op: 'report' }`).
import { HubClient } from './zhub-lib.js';

const [url, user, secret] = process.argv.slice(2) as [string, string, string];
const client = new HubClient({
  url,
  username: user,
  password: secret,
  name: 'steady',
  type: 'steady',
  limits: { pingIntervalMs: 3_600_000 },
});
client.start();
await client.whenConnected(60_000);
const adder = await client.getService('AddService');
let calls = 0;
let window: { name: string; calls: number; started: number } | undefined;
const rates: Record<string, number> = {};
const close = (): void => {
  if (!window) return;
  rates[window.name] = ((calls - window.calls) / (performance.now() - window.started)) * 1000;
};
for (let i = 0; i < 4; i++) {
  void (async () => {
    for (;;) {
      await adder.callRemote('add', 1, 2);
      calls++;
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
}
process.on('message', (m: { op: string; name?: string }) => {
  if (m.op === 'window') {
    close();
    window = { name: m.name ?? '', calls, started: performance.now() };
  }
  if (m.op === 'report') {
    close();
    window = undefined;
    process.send?.({ rates });
  }
});
process.send?.({ ready: true });
