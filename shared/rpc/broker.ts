import type { Logger } from 'pino';
import { isThenable } from '../async/failure.js';
import type { Clock, TimerHandle } from '../clock.js';
import { systemClock } from '../clock.js';
import type { ErrorCode } from '../errors.js';
import { isExpectedError, ZHubError } from '../errors.js';
import { DEFAULT_RPC_LIMITS, type RpcLimits } from '../limits.js';
import { silentLogger } from '../logger.js';
import { fromErrorRecord, toErrorRecord } from './error-record.js';
import { hasProtoKey, readFrame } from './frame-reader.js';
import { PendingCalls, type Pending } from './pending-calls.js';
import { CloseCode, Op, PROTOCOL_VERSION, RefOwner } from './protocol.js';
import type { Referenceable } from './referenceable.js';
import { remoteMethodsOf, type RemoteMethod } from './referenceable.js';
import { RemoteReference, type CallOptions, type RefOwnerLink } from './remote-reference.js';
import type { Transport } from './transport.js';
import { RawJson } from './raw-json.js';
import { SharedArgs } from './shared-args.js';
import { decodeValue, encodeValue, type RefContext } from './value-codec.js';

export interface BrokerOptions {
  transport: Transport;
  /** The object the peer reaches as its root reference (id 0). */
  root?: Referenceable;
  clock?: Clock;
  logger?: Logger;
  limits?: Partial<RpcLimits>;
  /** Send error stacks to the peer (an operator's choice; off by default). */
  tracebacks?: boolean;
  /** Given as first argument to remote methods listed in their class's static `withCaller`. */
  caller?: unknown;
  /** Told about every call this side serves, once answered (for metrics). */
  observer?: CallObserver;
}

/** Told when this side starts serving a call, and how it ended and how long it took. */
export interface CallObserver {
  start(target: Referenceable, method: string): void;
  end(target: Referenceable, method: string, ok: boolean, seconds: number): void;
}

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

const isReqId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isObjId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

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
  private readonly log: Logger;
  private readonly limits: RpcLimits;
  private readonly tracebacks: boolean;
  private readonly rootObject: Referenceable | undefined;
  private readonly caller: unknown;
  private readonly observer: CallObserver | undefined;
  private readonly pending: PendingCalls;
  private readonly exportsById = new Map<number, { obj: Referenceable; sent: number }>();
  private readonly exportIds = new Map<Referenceable, number>();
  private readonly imports = new Map<number, RemoteReference>();
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private readonly maxPackChars: number;
  private nextCallId = 1;
  private nextExportId = 1;
  private serving = 0;
  private outbox: string[] = [];
  private outboxChars = 0;
  private flushScheduled = false;
  private peerHello = false;
  private goodbye: ZHubError | undefined;
  private closeInfo: CloseInfo | undefined;
  private handshakeTimer: TimerHandle | undefined;
  private readyResolve!: () => void;
  private readyReject!: (err: Error) => void;

  constructor(opts: BrokerOptions) {
    this.transport = opts.transport;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger();
    this.limits = { ...DEFAULT_RPC_LIMITS, ...opts.limits };
    this.tracebacks = opts.tracebacks ?? false;
    this.rootObject = opts.root;
    this.caller = opts.caller;
    this.observer = opts.observer;
    this.maxPackChars = Math.floor(this.limits.maxFrameBytes / 3);
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
    this.transport.attach({
      message: (data, isBinary) => this.onFrame(data, isBinary),
      close: (code, reason) => this.onTransportClose(code, reason),
    });
    this.enqueue(JSON.stringify([Op.HELLO, PROTOCOL_VERSION, {}]));
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

  get closed(): boolean {
    return this._closed;
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  /** Calls being served for the peer right now. */
  get inFlight(): number {
    return this.serving;
  }

  /** Our calls awaiting an answer. */
  get pendingCalls(): number {
    return this.pending.size;
  }

  /** The peer's root object. */
  remoteRoot(): RemoteReference {
    let ref = this.imports.get(0);
    if (ref === undefined || ref.released) {
      ref = new RemoteReference(this, 0);
      this.imports.set(0, ref);
    }
    return ref;
  }

  /** Runs `cb` once when the connection ends (at once if it already has). */
  onClose(cb: (info: CloseInfo) => void): void {
    if (this.closeInfo !== undefined) cb(this.closeInfo);
    else this.closeListeners.add(cb);
  }

  /** Closes the connection cleanly; pending calls reject at once with HUB_ERR_CONNECTION_LOST. */
  close(code: number = CloseCode.NORMAL, reason = 'closing', error?: ZHubError): void {
    if (this._closed) return;
    this.flushNow();
    this.transport.close(code, reason);
    this.teardown(code, reason, error);
  }

  /** Sends a GOODBYE explaining why, then closes. */
  abort(code: ErrorCode, closeCode: number, message: string): void {
    if (this._closed) return;
    this.log.debug({ code, closeCode, peer: this.remoteAddress }, message);
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
      const enc = encodeValue(args, this.limits.maxDepth, this);
      text = JSON.stringify(
        enc.meta === undefined
          ? [Op.CALL, id, target, method, enc.json]
          : [Op.CALL, id, target, method, enc.json, enc.meta],
      );
      this.checkSize(text, `call to '${method}'`);
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
      // What is queued goes first, so the peer sees messages in the order they were made.
      this.flushNow();
      if (this._closed) return;
      this.stats.framesOut++;
      (this.transport.sendParts as (parts: (string | Buffer)[]) => void)([
        head,
        shared.buffer,
        ']]',
      ]);
      this.checkSendBuffer();
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
      if (value instanceof RawJson) text = `[${Op.ANSWER},${id},${value.json}]`;
      else {
        const enc = encodeValue(value, this.limits.maxDepth, this);
        text = JSON.stringify(
          enc.meta === undefined ? [Op.ANSWER, id, enc.json] : [Op.ANSWER, id, enc.json, enc.meta],
        );
      }
      this.checkSize(text, 'answer');
    } catch (err) {
      this.sendError(id, err);
      return;
    }
    this.enqueue(text);
  }

  private sendError(id: number, err: unknown): void {
    if (this._closed) return;
    this.stats.errorsSent++;
    const record = toErrorRecord(err, this.tracebacks);
    let meta: unknown;
    if (record.data !== undefined) {
      try {
        const enc = encodeValue(record.data, this.limits.maxDepth, this);
        record.data = enc.json;
        meta = enc.meta;
      } catch {
        delete record.data;
      }
    }
    let text = JSON.stringify(
      meta === undefined ? [Op.ERROR, id, record] : [Op.ERROR, id, record, meta],
    );
    if (this.tooBig(text)) {
      text = JSON.stringify([
        Op.ERROR,
        id,
        { ...record, message: record.message.slice(0, 1000), data: undefined, stack: undefined },
      ]);
    }
    this.enqueue(text);
  }

  private checkSize(text: string, what: string): void {
    if (this.tooBig(text)) {
      throw new ZHubError(
        'HUB_ERR_TOO_LARGE',
        `${what} exceeds the ${this.limits.maxFrameBytes}-byte frame limit`,
        {
          data: { limit: this.limits.maxFrameBytes },
        },
      );
    }
  }

  private tooBig(text: string): boolean {
    const room = this.limits.maxFrameBytes - 2; // the frame's own brackets
    if (text.length * 3 <= room) return false;
    return text.length > room || Buffer.byteLength(text) > room;
  }

  private enqueue(text: string): void {
    if (this._closed) return;
    this.outbox.push(text);
    this.outboxChars += text.length;
    // Many large answers in one turn: send (and check the bound) before they pile up here.
    if (this.outboxChars + this.transport.bufferedAmount > this.limits.maxSendBufferBytes) {
      this.flushNow();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flushNow());
    }
  }

  private flushNow(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const out = this.outbox;
    const chars = this.outboxChars;
    this.outbox = [];
    this.outboxChars = 0;
    if (this._closed) return;
    if (chars + out.length + 1 <= this.maxPackChars || out.length === 1) {
      this.sendFrame(out.length === 1 ? `[${out[0]}]` : `[${out.join(',')}]`);
    } else {
      let start = 0;
      let size = 0;
      for (let i = 0; i < out.length; i++) {
        const len = (out[i] as string).length + 1;
        if (i > start && size + len > this.maxPackChars) {
          this.sendFrame(`[${out.slice(start, i).join(',')}]`);
          if (this.checkSendBuffer()) return;
          start = i;
          size = 0;
        }
        size += len;
      }
      this.sendFrame(`[${out.slice(start).join(',')}]`);
    }
    this.checkSendBuffer();
  }

  /** Closes the connection when its peer stopped reading; answers whether it did. */
  private checkSendBuffer(): boolean {
    if (this._closed) return true;
    if (this.transport.bufferedAmount > this.limits.maxSendBufferBytes) {
      const msg = `peer stopped reading: ${this.transport.bufferedAmount} bytes queued`;
      this.log.warn(
        { peer: this.remoteAddress, queued: this.transport.bufferedAmount },
        'closing a connection whose peer stopped reading',
      );
      this.transport.terminate();
      this.teardown(
        CloseCode.SEND_BUFFER_FULL,
        msg,
        new ZHubError('HUB_ERR_SEND_BUFFER_FULL', msg),
      );
      return true;
    }
    return false;
  }

  private sendFrame(frame: string): void {
    this.stats.framesOut++;
    this.transport.send(frame);
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
        return this.onCall(m, suspicious);
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

  private onCall(m: unknown[], suspicious: boolean): void {
    const id = m[1];
    if (!isReqId(id))
      return this.abort(
        'HUB_ERR_PROTOCOL',
        CloseCode.PROTOCOL_ERROR,
        'call without a valid request id',
      );
    if (this.serving >= this.limits.maxInFlight) {
      this.stats.refusedInFlight++;
      return this.sendError(
        id,
        new ZHubError(
          'HUB_ERR_TOO_MANY_CALLS',
          `more than ${this.limits.maxInFlight} calls in flight; retry later`,
        ),
      );
    }
    const target = m[2];
    const obj =
      target === 0
        ? this.rootObject
        : isObjId(target)
          ? this.exportsById.get(target)?.obj
          : undefined;
    if (obj === undefined) {
      return this.sendError(
        id,
        new ZHubError(
          'HUB_ERR_NO_SUCH_OBJECT',
          `no object with id ${String(target).slice(0, 30)} on this connection`,
        ),
      );
    }
    const name = m[3];
    const method = typeof name === 'string' ? remoteMethodsOf(obj)?.get(name) : undefined;
    if (method === undefined) {
      const shown = typeof name === 'string' ? `'${name.slice(0, 100)}'` : `of type ${typeof name}`;
      return this.sendError(
        id,
        new ZHubError(
          'HUB_ERR_NO_SUCH_METHOD',
          `${obj.constructor.name} has no remote method ${shown}`,
        ),
      );
    }
    let args: unknown;
    try {
      args = this.decodePayload(m[4], m[5], suspicious);
    } catch (err) {
      return this.sendError(id, err);
    }
    if (!Array.isArray(args))
      return this.sendError(
        id,
        new ZHubError('HUB_ERR_BAD_MESSAGE', 'call arguments must be an array'),
      );
    this.invoke(id, obj, name as string, method, args);
  }

  private invoke(
    id: number,
    obj: Referenceable,
    name: string,
    method: RemoteMethod,
    args: unknown[],
  ): void {
    this.stats.callsServed++;
    const observer = this.observer;
    let started = 0;
    if (observer) {
      observer.start(obj, name);
      started = performance.now();
    }
    const done = (ok: boolean): void => {
      if (observer) observer.end(obj, name, ok, (performance.now() - started) / 1000);
    };
    let result: unknown;
    try {
      if (method.check !== undefined) args = method.check(args);
      result = method.withCaller
        ? method.fn.call(obj, this.caller, ...args)
        : method.fn.apply(obj, args);
    } catch (err) {
      this.methodFailed(err, obj, name);
      done(false);
      return this.sendError(id, err);
    }
    if (!isThenable(result)) {
      done(true);
      return this.answer(id, result);
    }
    this.serving++;
    result.then(
      (value) => {
        this.serving--;
        done(true);
        this.answer(id, value);
      },
      (err: unknown) => {
        this.serving--;
        this.methodFailed(err, obj, name);
        done(false);
        this.sendError(id, err);
      },
    );
  }

  private methodFailed(err: unknown, obj: Referenceable, method: string): void {
    const where = { target: obj.constructor.name, method, peer: this.remoteAddress };
    // zhub's own errors are expected conditions; anything else is a bug in the method.
    if (isExpectedError(err)) this.log.debug({ ...where, code: err.code }, err.message);
    else this.log.error({ ...where, err }, 'remote method raised an unexpected error');
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
    const id = this.exportIds.get(obj);
    if (id === undefined || this._closed) return false;
    this.exportIds.delete(obj);
    this.exportsById.delete(id);
    this.enqueue(JSON.stringify([Op.REVOKE, id]));
    return true;
  }

  private onRevoke(m: unknown[]): void {
    const [, id] = m;
    if (!isObjId(id) || id === 0)
      return this.abort('HUB_ERR_PROTOCOL', CloseCode.PROTOCOL_ERROR, 'malformed revoke');
    const ref = this.imports.get(id);
    if (ref === undefined) return;
    this.imports.delete(id);
    ref.revoked();
  }

  private onDecref(m: unknown[]): void {
    const [, id, count] = m;
    if (!isObjId(id) || !isReqId(count))
      return this.abort('HUB_ERR_PROTOCOL', CloseCode.PROTOCOL_ERROR, 'malformed decref');
    const entry = this.exportsById.get(id);
    if (entry === undefined) return;
    entry.sent -= count;
    if (entry.sent <= 0) {
      this.exportsById.delete(id);
      this.exportIds.delete(entry.obj);
    }
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
    let id = this.exportIds.get(v);
    if (id === undefined) {
      if (this.exportsById.size >= this.limits.maxExportedRefs) {
        throw new ZHubError(
          'HUB_ERR_TOO_MANY_REFS',
          `this connection already exports ${this.limits.maxExportedRefs} references`,
        );
      }
      id = this.nextExportId++;
      this.exportIds.set(v, id);
      this.exportsById.set(id, { obj: v, sent: 0 });
    }
    (this.exportsById.get(id) as { sent: number }).sent++;
    return [RefOwner.SENDER, id];
  }

  /** @internal RefContext: an incoming marker becomes a RemoteReference, or our own object. */
  deserializeRef(marker: unknown): unknown {
    if (!Array.isArray(marker) || marker.length !== 2 || !isObjId(marker[1])) {
      throw new ZHubError('HUB_ERR_BAD_MESSAGE', 'malformed reference marker');
    }
    const [owner, id] = marker as [unknown, number];
    if (owner === RefOwner.RECEIVER) {
      const obj = id === 0 ? this.rootObject : this.exportsById.get(id)?.obj;
      if (obj === undefined)
        throw new ZHubError('HUB_ERR_NO_SUCH_OBJECT', `no object with id ${id} on this connection`);
      return obj;
    }
    if (owner !== RefOwner.SENDER)
      throw new ZHubError('HUB_ERR_BAD_MESSAGE', 'malformed reference marker');
    const known = this.imports.get(id);
    if (known !== undefined && !known.released) {
      known.receipts++;
      return known;
    }
    // The peer's root (id 0) does not count against the cap.
    if (this.imports.size > this.limits.maxExportedRefs) {
      throw new ZHubError(
        'HUB_ERR_TOO_MANY_REFS',
        'the peer sent more references than this side keeps',
      );
    }
    const ref = new RemoteReference(this, id);
    this.imports.set(id, ref);
    return ref;
  }

  /** @internal RefOwnerLink */
  releaseRef(ref: RemoteReference): void {
    if (this.imports.get(ref.id) === ref) this.imports.delete(ref.id);
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

  private teardown(code: number, reason: string, error: ZHubError | undefined): void {
    if (this._closed) return;
    this._closed = true;
    this.outbox = [];
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
    const refs = [...this.imports.values()];
    this.imports.clear();
    this.exportsById.clear();
    this.exportIds.clear();
    for (const ref of refs) ref.disconnected();
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
