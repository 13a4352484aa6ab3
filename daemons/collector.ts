import type { Logger } from '../shared/index.js';
import type { DaemonEvent } from './event-queue.js';

/** A datapoint of a datasource, as the hub hands it out. */
export interface DatapointConfig {
  name: string;
  type?: 'gauge' | 'counter';
  threshold?: { min?: number; max?: number; severity?: number };
}

export interface DatasourceConfig {
  name: string;
  type: string;
  /** Seconds; default: the collector's cycleInterval. */
  interval?: number;
  params: Record<string, unknown>;
  datapoints: DatapointConfig[];
}

/** A device as ConfigService hands it out. */
export interface DeviceConfig {
  id: string;
  title: string;
  address: string;
  collector: string;
  properties: Record<string, unknown>;
  datasources: DatasourceConfig[];
  updatedAt?: number;
  generation?: number;
}

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
}

export interface CollectResult {
  values: CollectedValue[];
  /** Events the collection itself found (a port that stopped answering, and its clear). */
  events?: DaemonEvent[];
}

/**
 * What a collector plug-in implements: how to collect one datasource of one device. The
 * daemon does the rest — scheduling, thresholds, counter rates, spooling, delivery.
 */
export interface Collector {
  /** The datasource type it handles, e.g. `port`. */
  readonly type: string;
  collect(ctx: CollectContext): Promise<CollectResult>;
}
