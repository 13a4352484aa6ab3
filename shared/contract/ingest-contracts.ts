import { z } from 'zod';
import { defineContract } from './contract.js';

/** An event as collector code raises it (the hub's fields; `count` and `seq` are added by the daemon). */
export interface DaemonEvent {
  device: string;
  component?: string;
  eventClass?: string;
  eventKey?: string;
  /** 0 clear, 1 debug, 2 info, 3 warning, 4 error, 5 critical. */
  severity: number;
  summary: string;
  message?: string;
  [field: string]: unknown;
}

/** An event as it travels in a batch: numbered by the daemon's spool. */
export type EventItem = DaemonEvent & {
  seq: number;
  /** Occurrences it stands for (repeats collapsed before sending); default 1. */
  count?: number;
  /** When it happened (ms); default: when the hub received it. */
  time?: number;
};

/** A sample as it travels in a batch. */
export interface SampleItem {
  seq: number;
  device: string;
  component?: string;
  metric: string;
  value: number;
  /** ms since the epoch. */
  timestamp: number;
}

/** An item the hub refused, and acknowledged: kept as a dead letter. */
export interface RejectedItem {
  seq: number | null;
  /** A code from REFUSAL_REASONS ('bad_severity', ...). */
  code: string;
  reason: string;
}

/** The answer to a batch: the daemon's mark after it (everything up to it is stored). */
export interface BatchAnswer {
  ack: number;
  stored: number;
  duplicates: number;
  rejected: RejectedItem[];
}

/** The daemon's delivery marks (and its own spool's, when it logged in with one). */
export interface DeliveryMarks {
  events: number;
  metrics: number;
  spool?: { events: number; metrics: number };
}

/**
 * A batch is an array; its items are checked one by one by the service (a malformed item is
 * refused and kept as a dead letter, it does not fail the batch), so the array is not walked here.
 */
const batch = <T>(what: string) =>
  z.custom<T[]>((v) => Array.isArray(v), `a ${what} batch must be an array`);

/** `{ after }`: the last seq of the batch before this one (batches of one daemon stay in order). */
const batchOptions = z
  .object({ after: z.number().int().safe().nonnegative().optional() })
  .optional();

/** Heartbeat figures: the status page keeps the numbers it knows and ignores the rest. */
const figures = z.unknown();

export const EventContract = defineContract('EventService', {
  sendEvents: {
    args: [batch<EventItem>('event'), batchOptions],
    names: ['batch', 'options'],
    result: z.custom<BatchAnswer & { deduplicated: number; cleared: number }>(),
  },
  getDeliveryMarks: { args: [], result: z.custom<DeliveryMarks>() },
  sendHeartbeat: {
    args: [z.number().min(1).max(86_400).default(900), figures],
    names: ['timeoutSeconds', 'figures'],
    result: z.boolean(),
  },
});

export const MetricContract = defineContract('MetricService', {
  writeMetrics: {
    args: [batch<SampleItem>('sample'), batchOptions],
    names: ['batch', 'options'],
    result: z.custom<BatchAnswer>(),
  },
});
