import { forkTs, nextMessage } from './process-pair.js';

export interface IngestResult {
  kind: 'metrics' | 'events';
  daemons: number;
  batchSize: number;
  inflight: number;
  /** Items found in the store after the run, per second of the run. */
  durablePerSec: number;
  ackedPerSec: number;
  p50AckMs: number;
  p99AckMs: number;
  stored: number;
}

/**
 * N daemon processes stream batches to one hub process with an on-disk store; the rate is
 * what the store holds afterwards divided by the run's length.
 */
export async function ingestBench(
  kind: 'metrics' | 'events',
  opts: { daemons: number; seconds: number; batchSize: number; inflight: number },
): Promise<IngestResult> {
  const hub = forkTs('./hub-process.ts', []);
  try {
    const url = await nextMessage(hub, (m) => m.url as string | undefined);
    const clients = Array.from({ length: opts.daemons }, (_, i) =>
      forkTs('./ingest-client.ts', [
        url,
        kind,
        String(opts.seconds),
        String(opts.batchSize),
        String(opts.inflight),
        `bench-${kind}-${i}`,
      ]),
    );
    await Promise.all(clients.map((c) => nextMessage(c, (m) => (m.ready ? true : undefined))));
    const results = clients.map((c) =>
      nextMessage(
        c,
        (m) =>
          m.result as { acked: number; elapsedMs: number; p50: number; p99: number } | undefined,
        opts.seconds * 1000 + 60_000,
      ),
    );
    const t0 = performance.now();
    for (const c of clients) c.send('go');
    const rs = await Promise.all(results);
    const elapsed = (performance.now() - t0) / 1000;
    const countsP = nextMessage(
      hub,
      (m) => m.counts as { samples: number; events: number } | undefined,
    );
    hub.send({ op: 'counts' });
    const counts = await countsP;
    const stored = kind === 'metrics' ? counts.samples : counts.events;
    const acked = rs.reduce((n, r) => n + r.acked, 0);
    if (stored !== acked) throw new Error(`store holds ${stored} but ${acked} were acknowledged`);
    return {
      kind,
      ...opts,
      durablePerSec: stored / elapsed,
      ackedPerSec: acked / elapsed,
      p50AckMs: Math.max(...rs.map((r) => r.p50)),
      p99AckMs: Math.max(...rs.map((r) => r.p99)),
      stored,
    };
  } finally {
    hub.send({ op: 'exit' });
  }
}
