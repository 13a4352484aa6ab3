// A client that keeps calling the hub with a short deadline and records how long each call took
// to settle: under any network fault every call must settle (answer or reject) within its
// deadline — nothing may hang.
import { HubClient, type ServiceProxy } from '../../daemons/index.js';
import { PROOF_PASSWORD, PROOF_USER } from './ledger.js';
import { sleep } from './processes.js';

export interface ProbeWindow {
  calls: number;
  ok: number;
  rejected: number;
  /** Longest time from call to settlement, ms. */
  maxSettleMs: number;
  /** Calls not settled when the window closed. */
  outstanding: number;
}

export class CallProbe {
  readonly client: HubClient;
  private service: ServiceProxy | undefined;
  private timer: NodeJS.Timeout | undefined;
  private window: ProbeWindow = CallProbe.empty();
  /** Calls not yet settled, by the window they were made in. */
  private readonly open = new Map<number, ProbeWindow>();
  private nextId = 0;

  constructor(
    url: string,
    readonly deadlineMs: number,
    everyMs = 200,
  ) {
    this.client = new HubClient({
      url,
      username: PROOF_USER,
      password: PROOF_PASSWORD,
      name: 'proof-probe',
      type: 'probe',
      limits: {
        pingIntervalMs: 1_000,
        pingTimeoutMs: 2_000,
        reconnectBaseMs: 200,
        reconnectMaxMs: 2_000,
        connectTimeoutMs: 3_000,
      },
      rpcLimits: { callTimeoutMs: deadlineMs },
    });
    this.client.start();
    this.timer = setInterval(() => this.tick(), everyMs);
  }

  private static empty(): ProbeWindow {
    return { calls: 0, ok: 0, rejected: 0, maxSettleMs: 0, outstanding: 0 };
  }

  private tick(): void {
    if (this.service === undefined) {
      if (this.client.state === 'connected') {
        this.client.getService('AddService').then(
          (s) => (this.service = s),
          () => undefined,
        );
      }
      return;
    }
    const w = this.window;
    const t0 = performance.now();
    const id = this.nextId++;
    this.open.set(id, w);
    w.calls++;
    const settle = (ok: boolean): void => {
      this.open.delete(id);
      if (ok) w.ok++;
      else w.rejected++;
      w.maxSettleMs = Math.max(w.maxSettleMs, performance.now() - t0);
    };
    this.service.callRemoteWithOptions({ timeoutMs: this.deadlineMs }, 'add', 1, 2).then(
      () => settle(true),
      () => settle(false),
    );
  }

  /**
   * Starts a new window of figures and answers the one that ended, once each call made in it
   * has settled or has been open past its deadline plus `graceMs` (those are counted as
   * hanging). A call made just before the window closed has its whole deadline to settle.
   */
  async take(graceMs = 0): Promise<ProbeWindow> {
    const w = this.window;
    this.window = CallProbe.empty();
    const until = performance.now() + this.deadlineMs + graceMs;
    while (this.openIn(w) > 0 && performance.now() < until) await sleep(50);
    w.outstanding = this.openIn(w);
    return w;
  }

  private openIn(w: ProbeWindow): number {
    let n = 0;
    for (const owner of this.open.values()) if (owner === w) n++;
    return n;
  }

  /** Calls still waiting for an answer right now. */
  get pending(): number {
    return this.open.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.client.close();
  }
}
