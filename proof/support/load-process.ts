// One process of the load test: `count` daemon connections from `localAddress`, each logged
// in with its own name, sending a heartbeat every `heartbeatMs` and an `add` call every
// `callMs` (both jittered), for `steadyMs` once all are connected. Prints `connected <ms>`
// when all are in, then one JSON line with the latencies it saw.
//   load-process <url> <count> <localAddress> <first> <callMs> <heartbeatMs> <steadyMs>
import { HubClient, wsConnector, type ServiceProxy } from '../../daemons/index.js';
import { DEFAULT_RPC_LIMITS } from '../../shared/index.js';
import { PROOF_PASSWORD, PROOF_USER } from './ledger.js';

const [url, countArg, localAddress, firstArg, callArg, beatArg, steadyArg] = process.argv.slice(
  2,
) as [string, string, string, string, string, string, string];
const count = Number(countArg);
const callMs = Number(callArg);
const heartbeatMs = Number(beatArg);
const steadyMs = Number(steadyArg);

interface Member {
  client: HubClient;
  add: ServiceProxy;
  events: ServiceProxy;
}

const connector = wsConnector({
  maxFrameBytes: DEFAULT_RPC_LIMITS.maxFrameBytes,
  handshakeTimeoutMs: 30_000,
  localAddress,
});
const members: Member[] = [];
const t0 = performance.now();
let next = 0;
const CONCURRENT_LOGINS = 32;
async function joinOne(i: number): Promise<void> {
  const client = new HubClient({
    url,
    username: PROOF_USER,
    password: PROOF_PASSWORD,
    name: `load-${i}`,
    type: 'load',
    connector,
    limits: { connectTimeoutMs: 30_000 },
  });
  client.start();
  await client.whenConnected(120_000);
  const [add, events] = await Promise.all([
    client.getService('AddService'),
    client.getService('EventService'),
  ]);
  await events.callRemote('sendHeartbeat', Math.ceil((3 * heartbeatMs) / 1000));
  members.push({ client, add, events });
}
await Promise.all(
  Array.from({ length: CONCURRENT_LOGINS }, async () => {
    while (next < count) await joinOne(Number(firstArg) + next++);
  }),
);
process.stdout.write(`connected ${Math.round(performance.now() - t0)}\n`);

// Steady state: every member calls and beats on its own jittered period.
const latencies: number[] = [];
let errors = 0;
const timers: NodeJS.Timeout[] = [];
const end = performance.now() + steadyMs;
for (const m of members) {
  const call = (): void => {
    const t = performance.now();
    m.add.callRemote('add', 1, 2).then(
      () => latencies.push(performance.now() - t),
      () => errors++,
    );
  };
  const beat = (): void => {
    m.events.callRemote('sendHeartbeat', Math.ceil((3 * heartbeatMs) / 1000)).catch(() => errors++);
  };
  timers.push(
    setTimeout(() => timers.push(setInterval(call, callMs)), Math.random() * callMs),
    setTimeout(() => timers.push(setInterval(beat, heartbeatMs)), Math.random() * heartbeatMs),
  );
}
await new Promise((r) => setTimeout(r, Math.max(0, end - performance.now())));
for (const t of timers) clearInterval(t);
latencies.sort((a, b) => a - b);
const q = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
process.stdout.write(
  JSON.stringify({ calls: latencies.length, errors, p50: q(0.5), p99: q(0.99), max: q(1) }) + '\n',
);
for (const m of members) m.client.close();
process.exit(0);
