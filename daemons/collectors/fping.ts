import { spawn } from 'node:child_process';

/** What one ping of one address asks for. */
export interface PingRequest {
  count: number;
  /** Per-ping timeout, ms. */
  timeoutMs: number;
  retries: number;
}

/** Round-trip times in ms, one per ping sent; null where no answer came. */
export type PingReply = (number | null)[];

export interface FpingOptions {
  /** The fping program (default `$ZHUB_FPING`, else `fping` on the PATH). */
  command?: string;
  /** How long requests are gathered into one fping run, ms (default 50). */
  gatherMs?: number;
  /** Addresses per fping run at most (default 512). */
  maxTargets?: number;
}

interface Waiter {
  address: string;
  resolve: (reply: PingReply) => void;
  reject: (err: Error) => void;
}

interface Batch {
  request: PingRequest;
  waiters: Waiter[];
  timer: NodeJS.Timeout | undefined;
}

/** Host names and IPv4/IPv6 addresses; never anything fping could read as an option. */
const ADDRESS = /^[A-Za-z0-9:][A-Za-z0-9.:%_-]{0,254}$/;
/** Time between pings to one target, ms. */
const PERIOD_MS = 100;
/** Time between pings to different targets, ms (fping's floor). */
const TARGET_INTERVAL_MS = 1;

/**
 * Pings many addresses with few processes: requests with the same settings that arrive within
 * `gatherMs` share one run of Debian's `fping` (`-C count -q`), whose per-address results are
 * parsed from its report. Addresses are checked (no option can be smuggled in), fping is run
 * without a shell, and every run has a deadline past which it is killed.
 */
export class Fping {
  private readonly command: string;
  private readonly gatherMs: number;
  private readonly maxTargets: number;
  private readonly batches = new Map<string, Batch>();
  /** fping runs so far (for the bench and the daemon's figures). */
  runs = 0;

  constructor(opts: FpingOptions = {}) {
    this.command = opts.command ?? process.env.ZHUB_FPING ?? 'fping';
    this.gatherMs = opts.gatherMs ?? 50;
    this.maxTargets = opts.maxTargets ?? 512;
  }

  ping(address: string, request: PingRequest): Promise<PingReply> {
    if (!ADDRESS.test(address))
      return Promise.reject(new Error(`'${address}' is not a host name or an IP address`));
    return new Promise((resolve, reject) => {
      const key = `${request.count}/${request.timeoutMs}/${request.retries}`;
      let batch = this.batches.get(key);
      if (!batch) {
        const b: Batch = { request, waiters: [], timer: undefined };
        b.timer = setTimeout(() => this.run(key, b), this.gatherMs);
        this.batches.set(key, (batch = b));
      }
      batch.waiters.push({ address, resolve, reject });
      if (batch.waiters.length >= this.maxTargets) {
        clearTimeout(batch.timer);
        this.run(key, batch);
      }
    });
  }

  private run(key: string, batch: Batch): void {
    if (this.batches.get(key) === batch) this.batches.delete(key);
    const { count, timeoutMs, retries } = batch.request;
    const targets = [...new Set(batch.waiters.map((w) => w.address))];
    const args = [
      '-C',
      String(count),
      '-q',
      '-t',
      String(timeoutMs),
      '-r',
      String(retries),
      '-p',
      String(Math.max(PERIOD_MS, timeoutMs)),
      '-i',
      String(TARGET_INTERVAL_MS),
      ...targets,
    ];
    const deadlineMs =
      (count + 1) * Math.max(PERIOD_MS, timeoutMs) * (retries + 1) +
      targets.length * count * TARGET_INTERVAL_MS +
      5_000;
    this.runs++;
    const fail = (err: Error): void => {
      for (const w of batch.waiters) w.reject(err);
    };
    let child;
    try {
      child = spawn(this.command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      fail(err as Error);
      return;
    }
    let report = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (report.length < 4 * 1024 * 1024) report += s;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(killer);
      fail(
        err.code === 'ENOENT'
          ? new Error(
              `${this.command} not found: install fping (apt-get install fping) or set ZHUB_FPING to it`,
            )
          : err,
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      // 0: all answered; 1: some did not; 2: a name did not resolve. Anything else is fping failing.
      const replies = parseReport(report, count);
      if (signal !== null || (code !== 0 && code !== 1 && code !== 2 && replies.size === 0)) {
        fail(
          new Error(
            signal !== null
              ? `fping killed (${signal}) past its ${deadlineMs} ms deadline`
              : `fping failed (exit ${code}): ${report.trim().split('\n')[0] ?? ''}`,
          ),
        );
        return;
      }
      for (const w of batch.waiters) {
        const r = replies.get(w.address);
        if (r) w.resolve(r);
        else
          w.reject(
            new Error(`fping gave no result for ${w.address}: ${lineAbout(report, w.address)}`),
          );
      }
    });
  }
}

/** fping's `-C -q` report: `addr : 0.05 - 0.07` per target, on stderr. */
export function parseReport(report: string, count: number): Map<string, PingReply> {
  const out = new Map<string, PingReply>();
  for (const line of report.split('\n')) {
    const m = /^(\S+)\s+:\s+((?:[\d.]+|-)(?:\s+(?:[\d.]+|-))*)\s*$/.exec(line);
    if (!m) continue;
    const values = (m[2] as string).split(/\s+/).map((v) => (v === '-' ? null : Number(v)));
    if (values.length !== count) continue;
    out.set(m[1] as string, values);
  }
  return out;
}

function lineAbout(report: string, address: string): string {
  return (
    report
      .split('\n')
      .find((l) => l.includes(address))
      ?.trim() ?? 'not in its report'
  );
}
