// Child processes of the proof suite: a real hub (`zhub hub`, the operator's command) and
// ledger daemons, each with what the scenarios need to kill, freeze and watch them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserStore } from '../../hub/index.js';
import { PROOF_PASSWORD, PROOF_USER, type LedgerEntry } from './ledger.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `zhub-${prefix}-`));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port free on 127.0.0.1 right now (the hub must come back on the same one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Waits for `check` to hold, polling every 50 ms; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** `zhub hub` on 127.0.0.1 with its data in `dataDir`, restartable on the same port. */
export class HubProcess {
  child: ChildProcess | undefined;
  exited: Promise<number | null> = Promise.resolve(null);
  private tail = '';

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly args: string[],
  ) {}

  /** A hub with the proof user in its users file; `env` adds ZHUB_* settings. */
  static async create(
    options: { dataDir?: string; env?: Record<string, string>; args?: string[] } = {},
  ): Promise<HubProcess> {
    const dataDir = options.dataDir ?? tempDir('proof-hub');
    const path = join(dataDir, 'hubpasswd.json');
    const users = existsSync(path) ? await UserStore.load(path) : new UserStore(path);
    await users.set(PROOF_USER, PROOF_PASSWORD);
    await users.save();
    return new HubProcess(dataDir, await freePort(), options.env ?? {}, options.args ?? []);
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/hub`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    // Not `killed`: that turns true once any signal was sent, SIGSTOP included.
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Starts it and resolves once it listens. */
  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        'bin/zhub.js',
        'hub',
        '--data',
        this.dataDir,
        '--port',
        String(this.port),
        '--host',
        '127.0.0.1',
        '--log-level',
        'warn',
        ...this.args,
      ],
      { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    const keep = (d: Buffer): void => {
      this.tail = (this.tail + d.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`hub exited at start: ${this.tail}`);
        return this.tail.includes('zhub: status page');
      },
      30_000,
      'the hub to listen',
    );
    this.tail = '';
  }

  /** Sends `signal`; SIGKILL also waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.child?.kill(signal);
    if (signal === 'SIGKILL') await this.exited;
  }

  /** SIGTERM and wait: answers the exit code and how long the shutdown took. */
  async stop(): Promise<{ code: number | null; ms: number }> {
    if (!this.running) return { code: null, ms: 0 };
    const t0 = performance.now();
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 30_000);
    const code = await this.exited;
    clearTimeout(timer);
    return { code, ms: performance.now() - t0 };
  }

  /** The hub's own output since it started listening (warnings and errors). */
  get output(): string {
    return this.tail;
  }

  async httpStatus(path: string): Promise<number> {
    try {
      return (await fetch(this.httpUrl + path, { signal: AbortSignal.timeout(5_000) })).status;
    } catch {
      return 0;
    }
  }

  /** Named values from `/metrics` (first sample of each name). */
  async metrics(names: string[]): Promise<Record<string, number>> {
    const text = await (await fetch(`${this.httpUrl}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const name of names) {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'm').exec(text);
      if (m) out[name] = Number(m[1]);
    }
    return out;
  }
}

/** A ledger daemon process (proof/support/ledger-daemon.ts) and what it reported. */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  produced = { events: 0, samples: 0 };
  acked = 0;
  /** The last `acked` line: metrics mark, batches sent, batches failed. */
  senderFigures = '';
  drained = false;
  readonly disconnects: number[] = [];
  readonly connects: number[] = [];
  private out = '';

  constructor(
    url: string,
    readonly entry: LedgerEntry,
    readonly dataDir: string,
    perSecond: number,
    pingMs = 1_000,
    /** false: a restart that only delivers what the spool holds. */
    produce = true,
  ) {
    mkdirSync(join(dataDir, 'reports'), { recursive: true });
    this.child = spawn(
      process.execPath,
      [
        // A daemon that stops reporting can be asked where it is (see diagnose()).
        '--report-on-signal',
        `--report-directory=${join(dataDir, 'reports')}`,
        '--import',
        'tsx',
        'proof/support/ledger-daemon.ts',
        url,
        dataDir,
        entry.daemon,
        String(produce ? entry.events : 0),
        String(produce ? entry.samples : 0),
        String(perSecond),
        String(pingMs),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
    let partial = '';
    this.child.stdout?.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.out = (this.out + d.toString()).slice(-4000);
    });
  }

  /** Date.now() of the last line it printed (it prints its figures every 100 ms). */
  lastLineAt = Date.now();

  private line(line: string): void {
    this.lastLineAt = Date.now();
    const [word, a, b] = line.split(' ');
    if (word === 'produced') this.produced = { events: Number(a), samples: Number(b) };
    else if (word === 'acked') {
      this.acked = Number(a);
      this.senderFigures = line.slice(6);
    } else if (word === 'drained') this.drained = true;
    else if (word === 'disconnected') this.disconnects.push(Number(a));
    else if (word === 'connected') this.connects.push(Number(a));
    else this.out = (this.out + line + '\n').slice(-4000);
  }

  /** Waits for the daemon to drain and exit; throws with its output otherwise. */
  async finished(timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    if (code !== 0 || !this.drained) {
      throw new Error(`daemon ${this.entry.daemon} did not drain (exit ${code}): ${this.out}`);
    }
  }

  /** What it printed that was not a report line (its log), last 4,000 characters. */
  get output(): string {
    return this.out;
  }

  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /**
   * For a failure message: how the process ended, or — still running — where its JavaScript
   * stands and what its loop holds, from a diagnostic report (SIGUSR2), within 3 s.
   */
  async diagnose(): Promise<string> {
    const { exitCode, signalCode } = this.child;
    if (exitCode !== null || signalCode !== null)
      return `exited (code ${exitCode}, signal ${signalCode})`;
    const dir = join(this.dataDir, 'reports');
    this.child.kill('SIGUSR2');
    const end = Date.now() + 3_000;
    while (Date.now() < end) {
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
      const file = files[files.length - 1];
      if (file !== undefined) {
        try {
          const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
            javascriptStack?: { message?: string; stack?: string[] };
            libuv?: { type: string; is_active: boolean }[];
          };
          const stack = (report.javascriptStack?.stack ?? []).slice(0, 12).join(' | ');
          const handles = (report.libuv ?? [])
            .filter((h) => h.is_active)
            .map((h) => h.type)
            .join(',');
          const js = stack === '' ? 'idle (no JavaScript running)' : stack;
          return `running; JS: ${js}; active handles: ${handles}`;
        } catch {
          // Still being written.
        }
      }
      await sleep(100);
    }
    return 'running; no diagnostic report within 3 s (its loop does not take signals?)';
  }
}
