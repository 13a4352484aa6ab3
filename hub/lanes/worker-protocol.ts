// The messages between the hub's loop and its lane workers (structured clone over the
// worker's port). One call at a time per worker; pushes and log lines may come any time.
import type { ErrorRecord } from '../../shared/index.js';
import type { Caller } from '../hub-service.js';
import type { WorkerStoreSpec } from '../store/store.js';

/** What a worker is started with (its `workerData`). */
export interface WorkerInit {
  store: WorkerStoreSpec;
  /** pino level name for the worker's log (lines are written through the hub's logger). */
  logLevel: string;
  /** Added to the thread's CPU niceness (Linux; 0: unchanged). */
  niceness: number;
  /** The hub's data limits, for services that read them (`env.limits`). */
  limits: Record<string, unknown>;
}

/** A listener of the hub's instance of the service, as the worker's instance sees it. */
export interface ListenerInfo {
  id: number;
  options: unknown;
}

/** Hub → worker: run one remote method of (module, service, monitor). */
export interface CallMessage {
  t: 'call';
  id: number;
  /** URL of the module that exports the service class. */
  module: string;
  service: string;
  monitor: string;
  method: string;
  args: unknown[];
  /** For methods listed in `withCaller`. */
  caller: Caller | undefined;
  /** The calling daemon's name (for the status page's "running now"). */
  daemon: string;
  listeners: ListenerInfo[];
}

/** Hub → worker: how a push the worker asked for ended. */
export interface PushedMessage {
  t: 'pushed';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: ErrorRecord;
}

export type ToWorker = CallMessage | PushedMessage;

/** Worker → hub: the store is open; calls may come. */
export interface ReadyMessage {
  t: 'ready';
}

/** Worker → hub: the worker cannot start (its store would not open). */
export interface StartFailedMessage {
  t: 'start-failed';
  error: ErrorRecord;
}

/** Worker → hub: a call's answer, and the worker's heap after it. */
export interface DoneMessage {
  t: 'done';
  id: number;
  ok: boolean;
  value?: unknown;
  /** The answer was a RawJson: its text (a class does not survive structured clone). */
  raw?: string;
  error?: ErrorRecord;
  heapBytes: number;
}

/** Worker → hub: call `method` on a listener of the hub's instance of (service, monitor). */
export interface PushMessage {
  t: 'push';
  id: number;
  service: string;
  monitor: string;
  listener: number;
  method: string;
  args: unknown[];
}

/** Worker → hub: one log record, written through the hub's logger. */
export interface LogMessage {
  t: 'log';
  level: number;
  record: Record<string, unknown>;
}

/** Worker → hub: one update of a hub metric a service feeds (`env.metrics`). */
export interface MetricMessage {
  t: 'metric';
  name: 'pushDuration' | 'ingested';
  labels: Record<string, string> | undefined;
  value: number;
}

export type FromWorker =
  ReadyMessage | StartFailedMessage | DoneMessage | PushMessage | LogMessage | MetricMessage;
