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
    this.beats.set(daemon, {
      daemon,
      lastBeat: now,
      timeoutMs: timeoutSeconds * 1000,
      missing: false,
      figures: figuresOf(figures),
    });
    if (prev?.missing) {
      this.log.info({ daemon }, 'heartbeat resumed');
      this.raise(
        { ...EVENT, device: daemon, severity: 0, summary: `${daemon} heartbeat resumed` },
        now,
      ).catch((err: unknown) =>
        this.log.error({ err }, 'could not record a heartbeat-resumed event'),
      );
    }
  }

  /** Raises heartbeat-missing events for every daemon now overdue. */
  check(): void {
    const now = this.clock.now();
    for (const b of this.beats.values()) {
      if (b.missing || now - b.lastBeat <= b.timeoutMs) continue;
      b.missing = true;
      this.log.warn({ daemon: b.daemon, lastBeat: b.lastBeat }, 'heartbeat missing');
      this.raise(
        {
          ...EVENT,
          device: b.daemon,
          severity: 4,
          summary: `${b.daemon} heartbeat missing (none for ${Math.round(b.timeoutMs / 1000)} s)`,
        },
        now,
      ).catch((err: unknown) => {
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
