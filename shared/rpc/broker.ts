// The protocol engine of one connection, about 550 lines on purpose: its state machine
// (hello and handshake deadline, the message switch, calls and their pending table, answers,
// goodbye, close and teardown) reads best whole. What is not that machine lives beside it:
// frame packing and back-pressure (frame-writer.ts), frame checks (frame-reader.ts), the
// reference tables (ref-table.ts), serving calls (call-dispatch.ts), message text
// (message-text.ts), the value codec (value-codec.ts).
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import { systemClock } from '../clock.js';
import type { ErrorCode } from '../errors.js';
import { ZHubError } from '../errors.js';
import { DEFAULT_RPC_LIMITS, type RpcLimits } from '../limits.js';
import { silentLogger } from '../logger.js';
import { fromErrorRecord } from './error-record.js';
import { hasProtoKey, readFrame } from './frame-reader.js';
import { PendingCalls, type Pending } from './pending-calls.js';
import { CallDispatcher, type CallInvoker, type CallObserver } from './call-dispatch.js';
import { FrameWriter } from './frame-writer.js';
import { CloseCode, isObjId, isReqId, Op, PROTOCOL_VERSION, RefOwner } from './protocol.js';
import type { Referenceable } from './referenceable.js';
import { RefTable } from './ref-table.js';
import { RemoteReference, type CallOptions, type RefOwnerLink } from './remote-reference.js';
import type { Transport } from './transport.js';
import { SharedArgs } from './shared-args.js';
import { answerText, callText, errorText } from './message-text.js';
import { decodeValue, type RefContext } from './value-codec.js';

export interface BrokerOptions {
  transport: Transport;
  /** The object the peer reaches as its root reference (id 0). */
  root?: Referenceable;
  clock?: Clock;
  logger?: Logger;
  /**
   * Bindings for this connection's messages: a child of `logger` made when the first one is
   * logged. (A pino child costs about 20 µs; a hub that accepts thousands of connections logs
   * for few of them.)
   */
  logBindings?: Record<string, unknown>;
  limits?: Partial<RpcLimits>;
  /** Send error stacks to the peer (an operator's choice; off by default). */
  tracebacks?: boolean;
  /** Given as first argument to remote methods listed in their class's static `withCaller`. */
  caller?: unknown;
  /** Told about every call this side serves, once answered (for metrics). */
  observer?: CallObserver;
  /** Runs the methods of served calls (default: at once, here); see CallInvoker. */
  invoker?: CallInvoker;
  /**
   * The hub's side: this side's hello waits for the peer's, and when the peer's first frame
   * carries calls too (a daemon's hello and login), it leaves with the first answer, in one
   * frame (within HELLO_HOLD_MS at most). A peer that waits for our hello before calling gets
   * it at once on its own hello.
   */
  helloAfterPeer?: boolean;
}

/** Merged limits per given object: a hub's connections share one (not a copy of ~190 bytes each). */
const mergedLimits = new WeakMap<Partial<RpcLimits>, RpcLimits>();

function limitsOf(given: Partial<RpcLimits> | undefined): RpcLimits {
  if (given === undefined) return DEFAULT_RPC_LIMITS;
  let merged = mergedLimits.get(given);
  if (merged === undefined) {
    merged = Object.freeze({ ...DEFAULT_RPC_LIMITS, ...given });
    mergedLimits.set(given, merged);
  }
  return merged;
}

/** The longest a held hello waits for an answer to go with (see helloAfterPeer). */
const HELLO_HOLD_MS = 1_000;

export type { CallInvoker, CallObserver };

const HELLO_TEXT = JSON.stringify([Op.HELLO, PROTOCOL_VERSION, {}]);

export interface CloseInfo {
  code: number;
  reason: string;
  /** Why the connection ended, when it was not a clean close. */
  error: ZHubError | undefined;
}

/** Counters of one connection (exposed for the status page and tests). */
export interface BrokerStats {
  callsSent: number;
  callsServed: number;
  errorsSent: number;
  /** Answers for unknown ids: late answers after a deadline, or a confused peer. Ignored. */
  unknownAnswers: number;
  /** Calls refused because `maxInFlight` were already being served. */
  refusedInFlight: number;
  framesIn: number;
  framesOut: number;
}

/**
 * The symmetric broker (PB's Broker): one class on both the hub and the daemon. It owns the
 * request ids, the pending-call table, the tables of references exported and imported, and
 * every limit of one connection. Messages queued in the same turn of the event loop leave in
 * one frame.
 */
export class Broker implements RefOwnerLink, RefContext {
  readonly ready: Promise<void>;
  readonly stats: BrokerStats = {
    callsSent: 0,
    callsServed: 0,
    errorsSent: 0,
    unknownAnswers: 0,
    refusedInFlight: 0,
    framesIn: 0,
    framesOut: 0,
  };
  private _closed = false;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly parentLog: Logger;
  private readonly logBindings: Record<string, unknown> | undefined;
  private childLog: Logger | undefined;
  private readonly limits: RpcLimits;
  private readonly tracebacks: boolean;
  private readonly pending: PendingCalls;
  private readonly refs: RefTable;
  private readonly writer: FrameWriter;
  private readonly dispatcher: CallDispatcher;
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private nextCallId = 1;
  private peerHello = false;
  private goodbye: ZHubError | undefined;
  private closeInfo: CloseInfo | undefined;
  private handshakeTimer: TimerHandle | undefined;
  /** Our hello is still to be sent (helloAfterPeer), or held for the first answer. */
  private helloDue: boolean;
  private helloTimer: TimerHandle | undefined;
  /** The frame being read began with the peer's hello and carries calls after it. */
  private callsWithHello = false;
  private readyResolve!: () => void;
  private readyReject!: (err: Error) => void;

  /** This connection's logger (see `logBindings`). */
  private get log(): Logger {
    return (this.childLog ??=
      this.logBindings === undefined ? this.parentLog : this.parentLog.child(this.logBindings));
  }

  constructor(opts: BrokerOptions) {
    this.transport = opts.transport;
    this.clock = opts.clock ?? systemClock;
    this.parentLog = opts.logger ?? silentLogger();
    this.logBindings = opts.logBindings;
    this.limits = limitsOf(opts.limits);
    this.tracebacks = opts.tracebacks ?? false;
    this.refs = new RefTable(opts.root, this.limits.maxExportedRefs);
    this.writer = new FrameWriter(this.transport, this.limits, this.stats, (queued) =>
      this.peerStalled(queued),
    );
    this.dispatcher = new CallDispatcher(
      {
        refs: this.refs,
        remoteAddress: this.transport.remoteAddress,
        answer: (id, value) => this.answer(id, value),
        sendError: (id, err) => this.sendError(id, err),
        decodePayload: (json, meta, suspicious) => this.decodePayload(json, meta, suspicious),
        protocolError: (message) =>
          this.abort('HUB_ERR_PROTOCOL', CloseCode.PROTOCOL_ERROR, message),
      },
      this.limits,
      this.stats,
      opts.caller,
      opts.observer,
      () => this.log,
      opts.invoker,
    );
    this.pending = new PendingCalls(this.clock, (_id, p) =>
      p.reject(
        new ZHubError('HUB_ERR_TIMEOUT', `no answer to '${p.method}' within the deadline`, {
          data: { method: p.method },
        }),
      ),
    );
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    // Nobody is obliged to await `ready`; its failure is also reported through onClose.
    this.ready.catch(() => undefined);
    this.helloDue = opts.helloAfterPeer === true;
    if (!this.helloDue) this.enqueue(HELLO_TEXT);
    // Last: a transport may hand over frames it holds at once (one from the upgrade request,
    // or frames that came before the broker), and they find the broker whole.
    this.transport.attach({
      message: (data, isBinary) => this.onFrame(data, isBinary),
      close: (code, reason) => this.onTransportClose(code, reason),
    });
    // The peer's hello may have come with the transport (the upgrade's frame): no timer then.
    if (!this.peerHello && !this._closed) {
      this.handshakeTimer = this.clock.setTimeout(() => {
        this.handshakeTimer = undefined;
        if (!this.peerHello) {
          this.abort(
            'HUB_ERR_PROTOCOL',
            CloseCode.HANDSHAKE_TIMEOUT,
            'no protocol hello from the peer in time',
          );
        }
      }, this.limits.handshakeTimeoutMs);
    }
  }

  get closed(): boolean {
    return this._closed;
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  /** Calls being served for the peer right now. */
  get inFlight(): number {
    return this.dispatcher.serving;
  }

  /** Our calls awaiting an answer. */
  get pendingCalls(): number {
    return this.pending.size;
  }

  /** The peer's root object. */
  remoteRoot(): RemoteReference {
    return this.refs.peerRoot(() => new RemoteReference(this, 0));
  }

  /** Sends what is queued now, rather than at the end of the turn (the first frame is made so). */
  flush(): void {
    this.writer.flushNow();
  }

  /** Runs `cb` once when the connection ends (at once if it already has). */
  onClose(cb: (info: CloseInfo) => void): void {
    if (this.closeInfo !== undefined) cb(this.closeInfo);
    else this.closeListeners.add(cb);
  }

  /** Closes the connection cleanly; pending calls reject at once with HUB_ERR_CONNECTION_LOST. */
  close(code: number = CloseCode.NORMAL, reason = 'closing', error?: ZHubError): void {
    if (this._closed) return;
    this.writer.flushNow();
    this.transport.close(code, reason);
    this.teardown(code, reason, error);
  }

  /** Sends a GOODBYE explaining why, then closes. */
  abort(code: ErrorCode, closeCode: number, message: string): void {
    if (this._closed) return;
    this.log.debug({ code, closeCode, peer: this.remoteAddress }, message);
    this.sendHello(false);
    this.enqueue(JSON.stringify([Op.GOODBYE, code, message]));
    this.close(closeCode, message, new ZHubError(code, message));
  }

  // ---- outgoing ------------------------------------------------------------------------------

  /** @internal RefOwnerLink */
  callRef(
    ref: RemoteReference,
    method: string,
    args: unknown[],
    opts: CallOptions,
  ): Promise<unknown> {
    if (ref.isDead) {
      return Promise.reject(
        new ZHubError(
          'HUB_ERR_DEAD_REFERENCE',
          `reference is dead (${ref.released ? 'released' : ref.isRevoked ? 'revoked by its owner' : 'connection closed'}); '${String(method)}' not sent`,
        ),
      );
    }
    return this.call(ref.id, method, args, opts);
  }

  private call(
    target: number,
    method: string,
    args: unknown[],
    opts: CallOptions,
  ): Promise<unknown> {
    if (typeof method !== 'string') {
      return Promise.reject(new ZHubError('HUB_ERR_BAD_ARGUMENT', 'method name must be a string'));
    }
    if (this.pending.size >= this.limits.maxInFlight) {
      return Promise.reject(
        new ZHubError(
          'HUB_ERR_TOO_MANY_CALLS',
          `${this.limits.maxInFlight} calls already await answers on this connection`,
        ),
      );
    }
    let text: string;
    try {
      const id = this.nextCallId;
      if (args.length === 1 && args[0] instanceof SharedArgs) {
        // Encoded once for many peers: only the envelope is built here.
        const shared = args[0];
        const head = `[[${Op.CALL},${id},${target},${JSON.stringify(method)},`;
        if (shared.bytes + head.length * 3 + 2 > this.limits.maxFrameBytes - 2) {
          throw new ZHubError(
            'HUB_ERR_TOO_LARGE',
            `call to '${method}' exceeds the ${this.limits.maxFrameBytes}-byte frame limit`,
          );
        }
        if (this.transport.sendParts) return this.sendShared(id, head, shared, method, opts);
        text = `${head.slice(1)}${shared.json}]`;
        return this.send(id, text, method, opts);
      }
      text = callText(id, target, method, args, this.limits.maxDepth, this);
      this.writer.checkSize(text, `call to '${method}'`);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.send(this.nextCallId, text, method, opts);
  }

  /** A shared payload in its own frame, written from the shared buffer (see SharedArgs). */
  private sendShared(
    id: number,
    head: string,
    shared: SharedArgs,
    method: string,
    opts: CallOptions,
  ): Promise<unknown> {
    this.nextCallId++;
    this.stats.callsSent++;
    const timeout = opts.timeoutMs ?? this.limits.callTimeoutMs;
    return new Promise((resolve, reject) => {
      this.pending.add(id, { resolve, reject, deadline: this.clock.now() + timeout, method });
      if (!this._closed) this.writer.sendParts([head, shared.buffer, ']]']);
    });
  }

  private send(id: number, text: string, method: string, opts: CallOptions): Promise<unknown> {
    this.nextCallId++;
    const timeout = opts.timeoutMs ?? this.limits.callTimeoutMs;
    this.stats.callsSent++;
    return new Promise((resolve, reject) => {
      this.pending.add(id, { resolve, reject, deadline: this.clock.now() + timeout, method });
      this.enqueue(text);
    });
  }

  private answer(id: number, value: unknown): void {
    if (this._closed) return;
    let text: string;
    try {
      text = answerText(id, value, this.limits.maxDepth, this);
      this.writer.checkSize(text, 'answer');
    } catch (err) {
      this.sendError(id, err);
      return;
    }
    this.enqueue(text);
  }

  private sendError(id: number, err: unknown): void {
    if (this._closed) return;
    this.stats.errorsSent++;
    this.enqueue(
      errorText(id, err, this.tracebacks, this.limits.maxDepth, this, (t) => this.writer.tooBig(t)),
    );
  }

  private enqueue(text: string): void {
    if (!this._closed) this.writer.enqueue(text);
  }

  /** The peer stopped reading: the connection is closed (HUB_ERR_SEND_BUFFER_FULL). */
  private peerStalled(queued: number): void {
    if (this._closed) return;
    const msg = `peer stopped reading: ${queued} bytes queued`;
    this.log.warn(
      { peer: this.remoteAddress, queued },
      'closing a connection whose peer stopped reading',
    );
    this.transport.terminate();
    this.teardown(CloseCode.SEND_BUFFER_FULL, msg, new ZHubError('HUB_ERR_SEND_BUFFER_FULL', msg));
  }

  // ---- incoming ------------------------------------------------------------------------------

  private onFrame(data: string | Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this._closed) return;
    this.stats.framesIn++;
    const frame = readFrame(data, isBinary, this.limits.maxFrameBytes, this.limits.maxDepth);
    if (!frame.ok) {
      this.abort(frame.code, frame.closeCode, frame.message);
      return;
    }
    if (this.helloDue) {
      const ms = frame.messages;
      this.callsWithHello = ms[0]?.[0] === Op.HELLO && ms.some((m) => m[0] === Op.CALL);
    }
    try {
      for (const m of frame.messages) {
        this.onMessage(m, frame.suspicious);
        if (this._closed) return;
      }
    } catch (err) {
      this.log.error({ err, peer: this.remoteAddress }, 'internal error while handling a frame');
      this.abort(
        'HUB_ERR_PROTOCOL',
        CloseCode.PROTOCOL_ERROR,
        'internal error while handling a frame',
      );
    } finally {
      this.dispatcher.endFrame();
    }
  }

  private onMessage(m: unknown[], suspicious: boolean): void {
    const op = m[0];
    if (op === Op.HELLO) return this.onHello(m);
    if (!this.peerHello) {
      return this.abort(
        'HUB_ERR_PROTOCOL',
        CloseCode.PROTOCOL_ERROR,
        'message before the protocol hello',
      );
    }
    switch (op) {
      case Op.CALL:
        return this.dispatcher.onCall(m, suspicious);
      case Op.ANSWER:
        return this.onAnswer(m, suspicious);
      case Op.ERROR:
        return this.onError(m, suspicious);
      case Op.DECREF:
        return this.onDecref(m);
      case Op.GOODBYE:
        return this.onGoodbye(m);
      case Op.REVOKE:
        return this.onRevoke(m);
      default:
        return this.abort(
          'HUB_ERR_PROTOCOL',
          CloseCode.PROTOCOL_ERROR,
          `unknown opcode ${String(op)}`,
        );
    }
  }

  private onHello(m: unknown[]): void {
    if (this.peerHello)
      return this.abort('HUB_ERR_PROTOCOL', CloseCode.PROTOCOL_ERROR, 'second hello');
    this.sendHello(this.callsWithHello);
    if (m[1] !== PROTOCOL_VERSION) {
      const msg = `zhub protocol ${PROTOCOL_VERSION} expected; the peer speaks ${JSON.stringify(m[1])?.slice(0, 40)}`;
      this.enqueue(JSON.stringify([Op.GOODBYE, 'HUB_ERR_PROTOCOL_VERSION', msg]));
      this.close(CloseCode.VERSION_MISMATCH, msg, new ZHubError('HUB_ERR_PROTOCOL_VERSION', msg));
      return;
    }
    this.peerHello = true;
    if (this.handshakeTimer !== undefined) this.clock.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.readyResolve();
  }

  private onAnswer(m: unknown[], suspicious: boolean): void {
    const p = this.takePending(m[1]);
    if (p === undefined) return;
    let value: unknown;
    try {
      value = this.decodePayload(m[2], m[3], suspicious);
    } catch (err) {
      return p.reject(err as Error);
    }
    p.resolve(value);
  }

  private onError(m: unknown[], suspicious: boolean): void {
    const p = this.takePending(m[1]);
    if (p === undefined) return;
    const record = m[2];
    if (suspicious && hasProtoKey(record)) {
      return p.reject(
        new ZHubError('HUB_ERR_BAD_MESSAGE', 'error record with an own __proto__ key'),
      );
    }
    let data: unknown = (record as { data?: unknown } | null)?.data;
    if (m[3] !== undefined) {
      try {
        data = this.decodePayload(data, m[3], suspicious);
      } catch {
        data = undefined;
      }
    }
    p.reject(fromErrorRecord(record, data));
  }

  private takePending(id: unknown): Pending | undefined {
    const p = isReqId(id) ? this.pending.take(id) : undefined;
    if (p === undefined) this.stats.unknownAnswers++;
    return p;
  }

  /**
   * Stops exporting `obj` on this connection and tells the peer, whose reference to it dies
   * (its disconnect callbacks run). Calls to it that arrive after are refused as for any
   * unknown id. Answers whether the peer held a reference to it.
   */
  revoke(obj: Referenceable): boolean {
    if (this._closed) return false;
    const id = this.refs.unexport(obj);
    if (id === undefined) return false;
    this.enqueue(JSON.stringify([Op.REVOKE, id]));
    return true;
  }

  private onRevoke(m: unknown[]): void {
    const [, id] = m;
    if (!isObjId(id) || id === 0)
      return this.abort('HUB_ERR_PROTOCOL', CloseCode.PROTOCOL_ERROR, 'malformed revoke');
    this.refs.takeImport(id)?.revoked();
  }

  private onDecref(m: unknown[]): void {
    const [, id, count] = m;
    if (!isObjId(id) || !isReqId(count))
      return this.abort('HUB_ERR_PROTOCOL', CloseCode.PROTOCOL_ERROR, 'malformed decref');
    this.refs.decref(id, count);
  }

  private onGoodbye(m: unknown[]): void {
    const code = typeof m[1] === 'string' ? m[1].slice(0, 100) : 'HUB_ERR_PROTOCOL';
    const message = typeof m[2] === 'string' ? m[2].slice(0, 1000) : 'the peer is closing';
    this.goodbye = new ZHubError(code, message);
  }

  private decodePayload(json: unknown, meta: unknown, suspicious: boolean): unknown {
    if (suspicious && (hasProtoKey(json) || hasProtoKey(meta))) {
      throw new ZHubError('HUB_ERR_BAD_MESSAGE', 'payload with an own __proto__ key refused');
    }
    return meta === undefined ? json : decodeValue(json, meta, this);
  }

  // ---- references ----------------------------------------------------------------------------

  /** @internal RefContext: an outgoing Referenceable or RemoteReference becomes a marker. */
  serializeRef(v: Referenceable | RemoteReference): [number, number] {
    if (v instanceof RemoteReference) {
      if (v.link === this && !v.isDead) return [RefOwner.RECEIVER, v.id];
      throw new ZHubError(
        'HUB_ERR_NOT_COPYABLE',
        'a reference can only be sent back over the connection it came from',
      );
    }
    return [RefOwner.SENDER, this.refs.exportOf(v)];
  }

  /** @internal RefContext: an incoming marker becomes a RemoteReference, or our own object. */
  deserializeRef(marker: unknown): unknown {
    if (!Array.isArray(marker) || marker.length !== 2 || !isObjId(marker[1])) {
      throw new ZHubError('HUB_ERR_BAD_MESSAGE', 'malformed reference marker');
    }
    const [owner, id] = marker as [unknown, number];
    if (owner === RefOwner.RECEIVER) {
      const obj = this.refs.local(id);
      if (obj === undefined)
        throw new ZHubError('HUB_ERR_NO_SUCH_OBJECT', `no object with id ${id} on this connection`);
      return obj;
    }
    if (owner !== RefOwner.SENDER)
      throw new ZHubError('HUB_ERR_BAD_MESSAGE', 'malformed reference marker');
    return this.refs.imported(id, () => new RemoteReference(this, id));
  }

  /** @internal RefOwnerLink */
  releaseRef(ref: RemoteReference): void {
    this.refs.forget(ref);
    if (ref.id !== 0) this.enqueue(JSON.stringify([Op.DECREF, ref.id, ref.receipts]));
  }

  /** @internal RefOwnerLink */
  reportCallbackError(err: unknown, what: string): void {
    this.log.error({ err }, `${what} raised`);
  }

  // ---- shutdown ------------------------------------------------------------------------------

  private onTransportClose(code: number, reason: string): void {
    if (this._closed) return;
    const error =
      this.goodbye ??
      (code === CloseCode.NORMAL || code === CloseCode.GOING_AWAY
        ? undefined
        : new ZHubError(
            'HUB_ERR_CONNECTION_LOST',
            `connection closed (${code}${reason ? `: ${reason}` : ''})`,
          ));
    this.teardown(code, reason, error);
  }

  /**
   * Our hello, when it was left for the peer's (helloAfterPeer): now, or — `withAnswer` — held
   * in the outbox for the first answer to take along, HELLO_HOLD_MS at most.
   */
  private sendHello(withAnswer: boolean): void {
    if (!this.helloDue) return;
    this.helloDue = false;
    if (!withAnswer) {
      this.enqueue(HELLO_TEXT);
      return;
    }
    this.writer.hold(HELLO_TEXT);
    this.helloTimer = this.clock.setTimeout(() => {
      this.helloTimer = undefined;
      if (!this._closed) this.writer.flushNow();
    }, HELLO_HOLD_MS);
  }

  private teardown(code: number, reason: string, error: ZHubError | undefined): void {
    if (this._closed) return;
    this._closed = true;
    this.writer.stop();
    if (this.helloTimer !== undefined) this.clock.clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
    if (this.handshakeTimer !== undefined) this.clock.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    const cause = error ?? this.goodbye;
    const why = cause ? `: ${cause.message}` : code === CloseCode.NORMAL ? '' : ` (${code})`;
    if (!this.peerHello)
      this.readyReject(
        cause ??
          new ZHubError('HUB_ERR_CONNECTION_LOST', `connection closed before the handshake${why}`),
      );
    this.pending.drain((p) =>
      p.reject(
        new ZHubError(
          'HUB_ERR_CONNECTION_LOST',
          `connection lost while '${p.method}' was pending${why}`,
          {
            cause,
            data: cause ? { reason: cause.code } : undefined,
          },
        ),
      ),
    );
    for (const ref of this.refs.clear()) ref.disconnected();
    const info: CloseInfo = { code, reason, error: cause };
    this.closeInfo = info;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const cb of listeners) {
      try {
        cb(info);
      } catch (err) {
        this.log.error({ err }, 'close listener raised');
      }
    }
  }
}
