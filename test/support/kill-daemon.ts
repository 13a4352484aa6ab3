// A daemon process for the SIGKILL test. `write`: spools samples 0..n-1 and starts sending,
// printing its acknowledgement mark as it goes (the test kills it mid-flush). `drain`:
// starts from the same spool, delivers the rest, prints "drained".
import { HubDaemon } from '../../daemons/index.js';

const [url, dataDir, nArg, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  'write' | 'drain',
];
const n = Number(nArg);
const daemon = new HubDaemon({
  url,
  username: 'tester',
  password: 'correct horse battery',
  name: 'killed-daemon',
  type: 'test',
  dataDir,
  sender: { batchSize: 200, maxInFlight: 2, flushIntervalMs: 50 },
});
if (mode === 'write') {
  for (let i = 0; i < n; i += 1000) {
    daemon.spool.append(
      'metrics',
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        device: 'k',
        component: '',
        metric: 'v',
        value: i + j,
        timestamp: 1_000_000 + i + j,
      })),
    );
  }
  process.stdout.write('spooled\n');
  daemon.start();
  setInterval(() => process.stdout.write(`ack ${daemon.spool.lastAck('metrics')}\n`), 5);
} else {
  daemon.start();
  const ok = await daemon.drain(30_000);
  process.stdout.write(ok ? 'drained\n' : 'NOT drained\n');
  await daemon.stop();
  process.exit(ok ? 0 : 1);
}
