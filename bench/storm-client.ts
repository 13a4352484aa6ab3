// The daemons of the reconnect storm bench: `n` connections opened `concurrency` at a time,
// each a daemon's start-up — connect, log in with its own identity, get EventService,
// MetricService and ConfigService — or, for the baseline, a bare ws connection to a raw
// server. Reports the time until the last one is done.
import { WebSocket } from 'ws';
import { HubClient } from './zhub-lib.js';

const [mode, url, concurrency] = [
  process.argv[2],
  process.argv[3] as string,
  Number(process.argv[4] ?? 50),
];

process.once('message', (m: { creds?: { user: string; secret: string }[]; n?: number }) => {
  void (async () => {
    const held: { close(): void }[] = [];
    // 'zhub-tickets': as 'zhub', then each asks for its resumption ticket (sent back).
    const tickets: { user: string; secret: string }[] = [];
    const jobs: (() => Promise<void>)[] =
      mode === 'raw'
        ? Array.from({ length: m.n ?? 0 }, () => async () => {
            const ws = new WebSocket(url, { perMessageDeflate: false });
            await new Promise((r, j) => {
              ws.once('open', r);
              ws.once('error', j);
            });
            held.push({ close: () => ws.terminate() });
          })
        : (m.creds ?? []).map((c, i) => async () => {
            const client = new HubClient({
              url,
              username: c.user,
              password: c.secret,
              name: `storm-${i}`,
              type: 'storm',
              limits: { pingIntervalMs: 3_600_000, connectTimeoutMs: 120_000 },
            });
            client.start();
            // Asked for at once, as HubDaemon does: they travel with the login.
            const services = Promise.all(
              ['EventService', 'MetricService', 'ConfigService'].map((s) => client.getService(s)),
            );
            await client.whenConnected(120_000);
            await services;
            if (mode === 'zhub-tickets') {
              const t = await client.hub?.callRemote<{ ticket: string } | null>('resumptionTicket');
              if (t) tickets.push({ user: c.user, secret: t.ticket });
            }
            held.push(client);
          });
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const hr0 = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs.length) await (jobs[next++] as () => Promise<void>)();
      }),
    );
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    const cpuUs = (cpu.user + cpu.system) / Math.max(1, jobs.length);
    // Profiling: the storm's window on the profile's clock (µs), to read it alone.
    if (process.env.BENCH_CPU_PROF)
      process.stderr.write(
        `storm-client ${process.pid} ${mode}: window ${hr0 / 1000n}-${process.hrtime.bigint() / 1000n} µs\n`,
      );
    process.send?.({ result: { ms, n: jobs.length, tickets, cpuUs } });
    // Its connections stay open until the bench has taken the storm's figures.
    process.once('message', () => {
      for (const h of held) h.close();
      setTimeout(() => process.exit(0), 200);
    });
  })();
});
process.send?.({ ready: true });
