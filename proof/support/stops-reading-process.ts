// The "client stops reading" proof, in a process of its own started with --expose-gc so that
// "memory returns" is measured after a full collection, not guessed from a lazy heap: a hub
// (buildHub, on loopback) and, round after round, a client that pauses its socket and asks for
// 200 answers of about 1 MB. Prints one JSON line of figures.
import { HubClient } from '../../daemons/index.js';
import { UserStore } from '../../hub/index.js';
import { buildHub } from '../../services/index.js';

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heapMb = (collect: boolean): number => {
  if (collect) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed / 1048576;
};

const users = new UserStore();
await users.set('reader', 'stops-reading-password');
const zhub = await buildHub({ users });
const url = `${(await zhub.app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws')}/hub`;
await zhub.hub.env.model.putDevices(
  Array.from({ length: 400 }, (_, i) => ({
    id: `big-${i}`,
    address: '127.0.0.1',
    properties: { note: 'x'.repeat(2_500) },
  })),
  'add',
);
const rounds = Number(process.argv[2] ?? 3);
const before = heapMb(true);
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, heapMb(false))), 20);
const droppedMs: number[] = [];
const after: number[] = [];
for (let round = 0; round < rounds; round++) {
  const client = new HubClient({
    url,
    username: 'reader',
    password: 'stops-reading-password',
    name: `r${round}`,
  });
  client.start();
  await client.whenConnected(10_000);
  const config = await client.getService('ConfigService');
  (
    client.connection as unknown as { transport: { ws: { _socket: { pause(): void } } } }
  ).transport.ws._socket.pause();
  const t0 = performance.now();
  for (let i = 0; i < 200; i++)
    void config.callRemote('getDeviceConfigs', 0, []).catch(() => undefined);
  while (zhub.hub.sessions.size > 0 && performance.now() - t0 < 30_000) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (zhub.hub.sessions.size === 0) droppedMs.push(performance.now() - t0);
  client.close();
  await new Promise((r) => setTimeout(r, 200));
  after.push(heapMb(true));
}
clearInterval(sampler);
process.stdout.write(JSON.stringify({ rounds, before, peak, after, droppedMs }) + '\n');
await zhub.close();
process.exit(0);
