// A daemon process for the proof suite. It produces a known ledger — events e0..e(n-1) with
// distinct keys and samples 0..n-1 — at a steady rate through the public HubDaemon API, then
// waits until its spool is empty. Everything it produced must end up stored exactly once.
//
//   ledger-daemon <url> <dataDir> <name> <events> <samples> <perSecond> [pingMs]
//
// Prints `produced <events> <samples>` as it goes, `acked <metrics mark>` every 100 ms and
// `drained` at the end (exit 0), or `NOT drained` (exit 1).
import { pino } from 'pino';
import { HubDaemon } from '../../daemons/index.js';
import { PROOF_PASSWORD, PROOF_USER, SAMPLE_EPOCH } from './ledger.js';

const [url, dataDir, name, eventsArg, samplesArg, rateArg, pingArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];
const nEvents = Number(eventsArg);
const nSamples = Number(samplesArg);
const perSecond = Number(rateArg);
const pingMs = Number(pingArg ?? 1_000);

const daemon = new HubDaemon({
  url,
  username: PROOF_USER,
  password: PROOF_PASSWORD,
  name,
  type: 'proof',
  dataDir,
  heartbeatMs: 5_000,
  // Warnings and errors on stderr: the scenario shows them when it fails.
  logger: pino({ level: 'warn' }, pino.destination(2)),
  sender: { batchSize: 500, maxInFlight: 2, flushIntervalMs: 50 },
  // Quick to notice a hub that stopped answering, quick to come back.
  limits: {
    pingIntervalMs: pingMs,
    pingTimeoutMs: 2 * pingMs,
    reconnectBaseMs: 200,
    reconnectMaxMs: 2_000,
    connectTimeoutMs: 3_000,
  },
});
daemon.client.on('disconnect', () => process.stdout.write(`disconnected ${Date.now()}\n`));
daemon.client.on('connect', () => process.stdout.write(`connected ${Date.now()}\n`));
daemon.start();

const ackTimer = setInterval(() => {
  const m = daemon.senders.metrics.stats;
  process.stdout.write(
    `acked ${daemon.spool.lastAck('metrics')} ${m.batchesSent} ${m.batchesFailed}\n`,
  );
}, 100);
let e = 0;
let s = 0;
const tickMs = 20;
const perTick = Math.max(1, Math.round((perSecond * tickMs) / 1000));
while (e < nEvents || s < nSamples) {
  const samples = [];
  for (let i = 0; i < perTick && s < nSamples; i++, s++) {
    samples.push({ device: name, metric: 'proof', value: s, timestamp: SAMPLE_EPOCH + s });
  }
  daemon.writeMetrics(samples);
  for (let i = 0; i < perTick && e < nEvents; i++, e++) {
    daemon.sendEvent({
      device: name,
      eventClass: '/Proof',
      eventKey: `k${e}`,
      severity: 3,
      summary: `proof event ${e}`,
    });
  }
  // Spooled (durable) before it is reported: a SIGKILL after this line loses nothing.
  daemon.flushEvents();
  daemon.flushSamples();
  process.stdout.write(`produced ${e} ${s}\n`);
  if (Number.isFinite(perSecond)) await new Promise((r) => setTimeout(r, tickMs));
}
const ok = await daemon.drain(300_000);
clearInterval(ackTimer);
process.stdout.write(ok ? 'drained\n' : `NOT drained (${daemon.spool.depth()} left)\n`);
await daemon.stop();
process.exit(ok ? 0 : 1);
