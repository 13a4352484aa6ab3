// The hub of the reconnect storm bench: a fresh process (no logins remembered), with `tokens`
// collector users holding machine tokens and `passwords` holding scrypt passwords, each its
// own identity. Sends the credentials to the parent; answers CPU and loop-stall questions.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildHub, UserStore } from './zhub-lib.js';

const tokens = Number(process.argv[2] ?? 1000);
const passwords = Number(process.argv[3] ?? 50);
const users = new UserStore();
const creds: { user: string; secret: string }[] = [];
for (let i = 0; i < tokens; i++) {
  const user = `tok-${i}`;
  creds.push({ user, secret: users.setToken(user) });
  users.setGrant(user, 'collector');
}
// The established daemon that keeps calling through the storm.
creds.push({ user: 'steady', secret: users.setToken('steady') });
for (let i = 0; i < passwords; i++) {
  const user = `pw-${i}`;
  const secret = `password-of-${user}`;
  await users.set(user, secret);
  users.setGrant(user, 'collector');
  creds.push({ user, secret });
}
const zhub = await buildHub({
  users,
  limits: {
    maxLoginFailures: 1_000_000,
    maxConnections: 100_000,
    upgradesPerSecondPerAddress: 1_000_000,
    maxPendingLoginsPerAddress: 100_000,
  },
});
const address = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
let lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();
process.on('message', (m: { op: string } | string) => {
  // 'cpu' as process-pair's serverCpu asks it.
  if (m === 'cpu') return process.send?.({ cpu: process.cpuUsage() });
  if (typeof m === 'string') return;
  if (m.op === 'lag-reset') {
    lag.disable();
    lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    process.send?.({ lagReset: true });
  }
  if (m.op === 'lag') {
    process.send?.({ lag: { maxMs: lag.max / 1e6 } });
    lag.reset();
  }
  if (m.op === 'exit') process.exit(0);
});
process.send?.({ url: `${address.replace(/^http/, 'ws')}/hub`, creds });
