import type { Clock, Logger, TimerHandle } from '../shared/index.js';
import type { Store } from './store/store.js';

export interface HeartbeatStatus {
  daemon: string;
  lastBeat: number;
  timeoutMs: number;
  overdue: boolean;
  /** What the daemon reported with its heartbeat (spool depth, tasks, ...). */
  figures: Record<string, number>;
}

interface Beat {
  daemon: string;
  lastBeat: number;
  timeoutMs: number;
  missing: boolean;
  figures: Record<string, number>;
}

/** Figures a daemon may report with its heartbeat; anything else is ignored. */
export const DAEMON_FIGURES = [
  'spoolDepth',
  'spoolOldestAgeMs',
  'spoolDropped',
  'spoolRefused',
  'tasks',
  'tasksRunning',
  'tasksQueued',
  'missedRuns',
  'generation',
  'devices',
] as const;

function figuresOf(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (raw === null || typeof raw !== 'object') return out;
  for (const k of DAEMON_FIGURES) {
    const v = (raw as Record<string, unknown>)[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

const EVENT = {
  count: 1,
  component: 'zhub',
  eventClass: '/Status/Heartbeat',
  eventKey: 'heartbeat',
  message: '',
  fields: undefined,
  time: undefined,
};

/**
 * ZenHub's heartbeat check: a daemon says "I am alive for the next N seconds"; when that
 * passes without another heartbeat the hub raises a heartbeat-missing event for it, and
 * clears it when the daemon comes back.
 */
export class HeartbeatMonitor {
  private readonly beats = new Map<string, Beat>();
  private timer: TimerHandle | undefined;
  private closed = false;
  private checking = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly checkEveryMs = 1_000,
  ) {}

  start(): void {
    if (this.timer === undefined && !this.closed) this.schedule();
  }

  /** Records a heartbeat from `daemon` valid for `timeoutSeconds`. */
  beat(daemon: string, timeoutSeconds: number, figures?: unknown): void {
    const now = this.clock.now();
    const prev = this.beats.get(daemon);
    const fleet = this.store.fleet;
    if (fleet) {
      // Shared by several hubs: the store knows whether it was missing, whichever hub saw it.
      const figs = figuresOf(figures);
      this.beats.set(daemon, {
        daemon,
        lastBeat: now,
        timeoutMs: timeoutSeconds * 1000,
        missing: false,
        figures: figs,
      });
      fleet
        .beat(daemon, timeoutSeconds * 1000, figs, now)
        .then((wasMissing) => (wasMissing ? this.resumed(daemon, now) : undefined))
        .catch((err: unknown) => this.log.error({ err }, 'could not record a heartbeat'));
      return;
    }
    this.beats.set(daemon, {
      daemon,
      lastBeat: now,
      timeoutMs: timeoutSeconds * 1000,
      missing: false,
      figures: figuresOf(figures),
    });
    if (prev?.missing) this.resumed(daemon, now);
  }

  private resumed(daemon: string, now: number): void {
    this.log.info({ daemon }, 'heartbeat resumed');
    this.raise(
      { ...EVENT, device: daemon, severity: 0, summary: `${daemon} heartbeat resumed` },
      now,
    ).catch((err: unknown) =>
      this.log.error({ err }, 'could not record a heartbeat-resumed event'),
    );
  }

  private missingEvent(daemon: string, timeoutMs: number) {
    return {
      ...EVENT,
      device: daemon,
      severity: 4,
      summary: `${daemon} heartbeat missing (none for ${Math.round(timeoutMs / 1000)} s)`,
    };
  }

  /** Raises heartbeat-missing events for every daemon now overdue. */
  check(): void {
    const now = this.clock.now();
    const fleet = this.store.fleet;
    if (fleet) {
      // The store marks each overdue daemon missing for exactly one hub: one event per lapse.
      if (this.checking) return;
      this.checking = true;
      fleet
        .overdue(now)
        .then(async (late) => {
          for (const l of late) {
            this.log.warn({ daemon: l.daemon }, 'heartbeat missing');
            await this.raise(this.missingEvent(l.daemon, l.timeoutMs), now);
          }
        })
        .catch((err: unknown) => this.log.error({ err }, 'could not check heartbeats'))
        .finally(() => (this.checking = false));
      return;
    }
    for (const b of this.beats.values()) {
      if (b.missing || now - b.lastBeat <= b.timeoutMs) continue;
      b.missing = true;
      this.log.warn({ daemon: b.daemon, lastBeat: b.lastBeat }, 'heartbeat missing');
      this.raise(this.missingEvent(b.daemon, b.timeoutMs), now).catch((err: unknown) => {
        b.missing = false; // try again on the next check
        this.log.error({ err }, 'could not record a heartbeat-missing event');
      });
    }
  }

  private async raise(
    event: Parameters<Store['events']['raiseEvent']>[0],
    now: number,
  ): Promise<void> {
    await this.store.events.raiseEvent(event, 'zhub', now);
  }

  list(): HeartbeatStatus[] {
    const now = this.clock.now();
    return [...this.beats.values()].map((b) => ({
      daemon: b.daemon,
      lastBeat: b.lastBeat,
      timeoutMs: b.timeoutMs,
      overdue: now - b.lastBeat > b.timeoutMs,
      figures: b.figures,
    }));
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.check();
      if (!this.closed) this.schedule();
    }, this.checkEveryMs);
  }
}
