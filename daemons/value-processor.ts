import { TABLE_BOUNDS } from '../shared/index.js';
import type { DaemonEvent } from './event-queue.js';
import type { CollectedValue, DatasourceConfig, DeviceConfig } from './collector.js';
import type { Sample } from './hub-daemon.js';

/** Counter readings remembered for rates; forgotten oldest first past this. */
const MAX_COUNTERS = TABLE_BOUNDS.counterStates;

/**
 * Turns collected values into samples and threshold events: only declared datapoints are kept
 * (all of them when a datasource declares none); `counter` datapoints become per-second
 * rates (the first reading, and a counter that went backwards, give no sample); a value
 * outside a datapoint's threshold raises an event, and a value back inside clears it.
 */
export class ValueProcessor {
  private readonly counters = new Map<string, { t: number; v: number }>();

  process(
    device: DeviceConfig,
    ds: DatasourceConfig,
    values: CollectedValue[],
    now: number,
  ): { samples: Sample[]; events: DaemonEvent[] } {
    const samples: Sample[] = [];
    const events: DaemonEvent[] = [];
    const declared = new Map(ds.datapoints.map((dp) => [dp.name, dp]));
    for (const val of values) {
      const dp = declared.get(val.datapoint);
      if (declared.size > 0 && !dp) continue;
      const component = val.component ?? '';
      let value = val.value;
      if (dp?.type === 'counter') {
        const key = `${device.id}\u0000${ds.name}\u0000${component}\u0000${val.datapoint}`;
        const last = this.counters.get(key);
        this.counters.delete(key);
        this.counters.set(key, { t: now, v: value });
        if (this.counters.size > MAX_COUNTERS)
          this.counters.delete(this.counters.keys().next().value as string);
        if (!last || now <= last.t) continue;
        let delta = value - last.v;
        // Went backwards: a 32-bit counter that wrapped once (less than half its range on);
        // anything else — a 64-bit counter, a bigger jump — is a reset, and gives no sample.
        if (delta < 0 && val.counterBits === 32 && delta + 2 ** 32 < 2 ** 31) delta += 2 ** 32;
        if (delta < 0) continue;
        value = (delta * 1000) / (now - last.t);
      }
      samples.push({ device: device.id, component, metric: val.datapoint, value, timestamp: now });
      const th = dp?.threshold;
      if (th) {
        const low = th.min !== undefined && value < th.min;
        const high = th.max !== undefined && value > th.max;
        const base = {
          device: device.id,
          component,
          eventClass: '/Perf/Threshold',
          eventKey: `${ds.name}/${val.datapoint}`,
        };
        events.push(
          low || high
            ? {
                ...base,
                severity: th.severity ?? 3,
                summary: `${val.datapoint} ${round(value)} is ${low ? `below ${th.min}` : `above ${th.max}`}`,
              }
            : {
                ...base,
                severity: 0,
                summary: `${val.datapoint} ${round(value)} is back within its threshold`,
              },
        );
      }
    }
    return { samples, events };
  }

  /** Drops the counter readings of a device that went away. */
  forget(deviceId: string): void {
    for (const key of this.counters.keys())
      if (key.startsWith(`${deviceId}\u0000`)) this.counters.delete(key);
  }
}

const round = (v: number): number => Math.round(v * 100) / 100;
