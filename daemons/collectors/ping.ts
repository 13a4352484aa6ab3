import type { CollectContext, CollectResult, Collector } from '../collector.js';
import { Fping, type FpingOptions } from './fping.js';

/** Positive number from a datasource parameter or a device property, else the default. */
function num(v: unknown, fallback: number, what: string, max: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new Error(`${what} must be a number in (0, ${max}]`);
  return n;
}

/**
 * `ping` (zenping's part): ICMP echo to the device's address through Debian's fping, many
 * devices per fping run. Datapoints `rtt` (mean round trip, ms, of the answered pings),
 * `rttMax` and `loss` (percent). A device none of whose pings is answered raises one "device
 * down" event (`/Status/Ping`, severity `params.severity`, default 5) and is reported down:
 * the daemon pauses the device's other tasks until it answers again, then clears the event.
 *
 * Settings: `params.count` or `zPingCount` (pings per cycle, default 3), `params.timeout` or
 * `zPingTimeout` (seconds per ping, default 1.5), `params.retries` (default 0).
 */
export class PingCollector implements Collector {
  readonly type = 'ping';
  /** Its datasources say whether the device is up: they run first and are never paused. */
  readonly reachability = true;
  readonly fping: Fping;

  constructor(opts: FpingOptions = {}) {
    this.fping = new Fping(opts);
  }

  async collect({ device, datasource, signal }: CollectContext): Promise<CollectResult> {
    const p = datasource.params;
    const what = `datasource ${datasource.name}`;
    const count = Math.round(
      num(p.count ?? device.properties.zPingCount, 3, `${what}: count`, 100),
    );
    const timeoutS = num(p.timeout ?? device.properties.zPingTimeout, 1.5, `${what}: timeout`, 30);
    const retries = Math.round(num(p.retries, 0, `${what}: retries`, 10));
    const address = typeof p.host === 'string' ? p.host : device.address;
    const reply = await abortable(
      this.fping.ping(address, { count, timeoutMs: Math.round(timeoutS * 1000), retries }),
      signal,
    );
    const rtts = reply.filter((v): v is number => v !== null);
    const loss = Math.round(((count - rtts.length) / count) * 10_000) / 100;
    const event = { device: device.id, eventClass: '/Status/Ping', eventKey: 'ping' };
    if (rtts.length === 0) {
      const severity = typeof p.severity === 'number' ? p.severity : 5;
      return {
        values: [{ datapoint: 'loss', value: 100 }],
        events: [
          {
            ...event,
            severity,
            summary: `${device.id} is down: ${address} answered none of ${count} pings`,
          },
        ],
        deviceUp: false,
      };
    }
    const mean = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    return {
      values: [
        { datapoint: 'rtt', value: Math.round(mean * 1000) / 1000 },
        { datapoint: 'rttMax', value: Math.max(...rtts) },
        { datapoint: 'loss', value: loss },
      ],
      events: [{ ...event, severity: 0, summary: `${device.id} is up: ${address} answers pings` }],
      deviceUp: true,
    };
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('timed out'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
