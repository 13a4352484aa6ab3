import { pino, type Logger } from 'pino';
import {
  Broker,
  PROTOCOL_VERSION,
  type Referenceable,
  type RpcLimits,
} from '../../shared/index.js';
import { ManualClock } from './manual-clock.js';
import { transportPair } from './memory-transport.js';

export interface PairOptions {
  rootA?: Referenceable;
  rootB?: Referenceable;
  limits?: Partial<RpcLimits>;
  limitsB?: Partial<RpcLimits>;
  tracebacks?: boolean;
  callerB?: unknown;
  logger?: Logger;
}

/** Two brokers joined by an in-memory transport, on one manual clock. */
export function brokerPair(opts: PairOptions = {}) {
  const clock = new ManualClock();
  const [ta, tb] = transportPair();
  const a = new Broker({
    transport: ta,
    clock,
    limits: opts.limits,
    ...(opts.rootA ? { root: opts.rootA } : {}),
  });
  const b = new Broker({
    transport: tb,
    clock,
    limits: opts.limitsB ?? opts.limits,
    tracebacks: opts.tracebacks ?? false,
    caller: opts.callerB,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.rootB ? { root: opts.rootB } : {}),
  });
  return { a, b, ta, tb, clock };
}

/** A log sink that keeps records, for asserting what was (not) logged. */
export function capturingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

/**
 * A broker facing a raw, scriptable peer: the test writes frames by hand (as a hostile client
 * would) and reads what the broker sends back.
 */
export function rawPeer(
  root: Referenceable,
  opts: { limits?: Partial<RpcLimits>; hello?: boolean } = {},
) {
  const clock = new ManualClock();
  const [raw, tb] = transportPair();
  const received: unknown[][] = [];
  const closes: { code: number; reason: string }[] = [];
  raw.attach({
    message: (data) => {
      for (const m of JSON.parse(data as string) as unknown[][]) received.push(m);
    },
    close: (code, reason) => closes.push({ code, reason }),
  });
  const broker = new Broker({ transport: tb, clock, root, limits: opts.limits });
  if (opts.hello !== false) raw.send(JSON.stringify([[0, PROTOCOL_VERSION, {}]]));
  return {
    broker,
    raw: raw,
    clock,
    received,
    closes,
    send(frame: unknown): void {
      raw.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    /** Messages of one opcode received so far. */
    of(op: number): unknown[][] {
      return received.filter((m) => m[0] === op);
    },
  };
}
