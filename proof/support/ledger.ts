// What the proof daemons produce and how it is checked against the hub's store: each daemon's
// ledger is known in advance (events with keys k0..k(n-1), samples with values 0..n-1), so the
// store must hold every one of them, each exactly once.
import { SqliteStore, type Store } from '../../hub/index.js';

export const PROOF_USER = 'proof';
export const PROOF_PASSWORD = 'proof-suite-password';
/**
 * Sample i of a daemon is stamped SAMPLE_EPOCH + i ms (recent: inside any retention). Fixed by
 * the first process and handed to its children through the environment, so all agree.
 */
export const SAMPLE_EPOCH = Number(
  (process.env.ZHUB_PROOF_EPOCH ??= String(
    Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000,
  )),
);

export interface LedgerEntry {
  daemon: string;
  events: number;
  samples: number;
}

export interface LedgerCheck {
  produced: number;
  stored: number;
  missing: number;
  duplicates: number;
}

/** Compares what the daemons produced with what the SQLite store in `dataDir` holds (hub stopped). */
export async function checkLedger(dataDir: string, ledger: LedgerEntry[]): Promise<LedgerCheck> {
  const store = new SqliteStore({ dataDir });
  try {
    return await checkLedgerIn(store, ledger);
  } finally {
    store.close();
  }
}

/** Compares what the daemons produced with what `store` holds. */
export async function checkLedgerIn(store: Store, ledger: LedgerEntry[]): Promise<LedgerCheck> {
  {
    const out: LedgerCheck = { produced: 0, stored: 0, missing: 0, duplicates: 0 };
    for (const d of ledger) {
      out.produced += d.events + d.samples;
      const { events } = await store.events.queryEvents({ device: d.daemon, limit: 10_000_000 });
      const keys = new Map<string, number>();
      for (const e of events) {
        if (e.eventClass !== '/Proof') continue;
        keys.set(e.eventKey, (keys.get(e.eventKey) ?? 0) + e.count);
      }
      const values = new Map<number, number>();
      for (const p of await store.metrics.queryMetrics({
        device: d.daemon,
        metric: 'proof',
        from: SAMPLE_EPOCH,
        to: Number.MAX_SAFE_INTEGER, // samples beyond the ledger count as faults too
        limit: 10_000_000,
      })) {
        values.set(p.v, (values.get(p.v) ?? 0) + 1);
      }
      for (let i = 0; i < d.events; i++) {
        const n = keys.get(`k${i}`) ?? 0;
        if (n === 0) out.missing++;
        else out.duplicates += n - 1;
        out.stored += n;
      }
      for (let i = 0; i < d.samples; i++) {
        const n = values.get(i) ?? 0;
        if (n === 0) out.missing++;
        else out.duplicates += n - 1;
        out.stored += n;
      }
      // Anything beyond the ledger is a fault too.
      out.duplicates += [...keys.keys()].filter((k) => Number(k.slice(1)) >= d.events).length;
      out.duplicates += [...values.keys()].filter((v) => v >= d.samples).length;
    }
    return out;
  }
}

/** True when nothing was lost and nothing stored twice. */
export const exact = (c: LedgerCheck): boolean =>
  c.missing === 0 && c.duplicates === 0 && c.stored === c.produced;

export const describeCheck = (c: LedgerCheck): string =>
  `stored ${c.stored.toLocaleString('en')} of ${c.produced.toLocaleString('en')}; ` +
  `missing ${c.missing}, duplicates ${c.duplicates}`;
