import type { DaemonEvent, DatasourceConfig, DeviceConfig, Logger } from '../shared/index.js';

export type { DatapointConfig, DatasourceConfig, DeviceConfig } from '../shared/index.js';

export interface CollectContext {
  device: DeviceConfig;
  datasource: DatasourceConfig;
  /** Aborted when the task times out or the device goes away: stop then. */
  signal: AbortSignal;
  log: Logger;
}

/** One measured value: `datapoint` names it; `component` (an interface, a mount) is optional. */
export interface CollectedValue {
  datapoint: string;
  value: number;
  component?: string;
  /**
   * A counter of this width (SNMP Counter32, Counter64): a `counter` datapoint's rate is
   * taken across a wrap instead of dropped as a reset.
   */
  counterBits?: 32 | 64;
}

export interface CollectResult {
  values: CollectedValue[];
  /** Events the collection itself found (a port that stopped answering, and its clear). */
  events?: DaemonEvent[];
  /**
   * From a reachability check (ping): whether the device answers at all. `false` pauses the
   * device's other tasks on this daemon (ping-down suppression) until a later `true`.
   */
  deviceUp?: boolean;
}

/**
 * What a collector plug-in implements: how to collect one datasource of one device. The
 * daemon does the rest — scheduling, thresholds, counter rates, spooling, delivery.
 */
export interface Collector {
  /** The datasource type it handles, e.g. `port`. */
  readonly type: string;
  /**
   * Its datasources tell whether a device is up (ping): in a task they run first, and they
   * are never paused while the device is down.
   */
  readonly reachability?: boolean;
  collect(ctx: CollectContext): Promise<CollectResult>;
}
