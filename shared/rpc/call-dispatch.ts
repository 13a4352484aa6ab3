import type { Logger } from 'pino';
import { isThenable } from '../async/failure.js';
import { isExpectedError, ZHubError } from '../errors.js';
import type { RpcLimits } from '../limits.js';
import { isObjId, isReqId } from './protocol.js';
import { remoteMethodsOf, type Referenceable, type RemoteMethod } from './referenceable.js';
import type { RefTable } from './ref-table.js';

/**
 * Told when this side starts serving a call, and how it ended and how long it took: what
 * `start` answers (its figures for that method, say) is handed back to `end`, so a call
 * costs the observer one lookup.
 */
export interface CallObserver<T = unknown> {
  start(target: Referenceable, method: string): T;
  end(token: T, ok: boolean, seconds: number): void;
}

/**
 * Runs a served call's method once its arguments are checked: by default at once, on this
 * loop; the hub's worker lanes run some methods in worker threads (and answer a promise).
 */
export type CallInvoker = (
  target: Referenceable,
  name: string,
  method: RemoteMethod,
  args: unknown[],
  caller: unknown,
) => unknown;

/** What the dispatcher needs of its connection. */
export interface DispatchHost {
  readonly refs: RefTable;
  readonly remoteAddress: string;
  answer(id: number, value: unknown): void;
  sendError(id: number, err: unknown): void;
  decodePayload(json: unknown, meta: unknown, suspicious: boolean): unknown;
  /** The peer broke the protocol: the connection is closed. */
  protocolError(message: string): void;
}

/**
 * Serving the peer's calls: a CALL message is checked (request id, the in-flight bound, the
 * target among this connection's exports, the method in the target class's allow-list, the
 * arguments' shape and, with a contract, their schemas), then the method runs and its result
 * or error is answered. Overflow policy: past `maxInFlight` calls being served, a call is
 * answered at once with HUB_ERR_TOO_MANY_CALLS (counted in `refusedInFlight`).
 */
export class CallDispatcher {
  /** Calls being served (started, not yet answered). */
  serving = 0;
  /**
   * When the last call answered at once in this frame ended (NaN outside a frame, or before
   * the first): the next call of the frame starts timing there, so a frame of calls costs one
   * clock reading per call, not two. A call's duration so includes reading its message (and
   * sending the answer before it).
   */
  private lastEnd = NaN;
  /** The last method looked up, and for which object and name. */
  private lastObj: Referenceable | undefined;
  private lastName = '';
  private lastMethod: RemoteMethod | undefined;

  constructor(
    private readonly host: DispatchHost,
    private readonly limits: RpcLimits,
    private readonly stats: { callsServed: number; refusedInFlight: number },
    private readonly caller: unknown,
    private readonly observer: CallObserver | undefined,
    /** The connection's logger, made on first use. */
    private readonly log: () => Logger,
    private readonly invoker: CallInvoker | undefined,
  ) {}

  /** The frame being read is done: the next call starts its own timing. */
  endFrame(): void {
    this.lastEnd = NaN;
  }

  onCall(m: unknown[], suspicious: boolean): void {
    const host = this.host;
    const id = m[1];
    if (!isReqId(id)) return host.protocolError('call without a valid request id');
    if (this.serving >= this.limits.maxInFlight) {
      this.stats.refusedInFlight++;
      return host.sendError(
        id,
        new ZHubError(
          'HUB_ERR_TOO_MANY_CALLS',
          `more than ${this.limits.maxInFlight} calls in flight; retry later`,
        ),
      );
    }
    const target = m[2];
    const obj = isObjId(target) ? host.refs.local(target) : undefined;
    if (obj === undefined) {
      return host.sendError(
        id,
        new ZHubError(
          'HUB_ERR_NO_SUCH_OBJECT',
          `no object with id ${String(target).slice(0, 30)} on this connection`,
        ),
      );
    }
    const name = m[3];
    // Calls come in runs to one method (a frame of them): the last lookup is kept.
    let method: RemoteMethod | undefined;
    if (obj === this.lastObj && name === this.lastName) method = this.lastMethod;
    else {
      method = typeof name === 'string' ? remoteMethodsOf(obj)?.get(name) : undefined;
      if (method !== undefined) {
        this.lastObj = obj;
        this.lastName = name as string;
        this.lastMethod = method;
      }
    }
    if (method === undefined) {
      const shown = typeof name === 'string' ? `'${name.slice(0, 100)}'` : `of type ${typeof name}`;
      return host.sendError(
        id,
        new ZHubError(
          'HUB_ERR_NO_SUCH_METHOD',
          `${obj.constructor.name} has no remote method ${shown}`,
        ),
      );
    }
    let args: unknown;
    try {
      args = host.decodePayload(m[4], m[5], suspicious);
    } catch (err) {
      return host.sendError(id, err);
    }
    if (!Array.isArray(args))
      return host.sendError(
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
    let token: unknown;
    let started = 0;
    if (observer) {
      token = observer.start(obj, name);
      started = Number.isNaN(this.lastEnd) ? performance.now() : this.lastEnd;
    }
    let result: unknown;
    try {
      if (method.check !== undefined) args = method.check(args);
      result =
        this.invoker !== undefined
          ? this.invoker(obj, name, method, args, this.caller)
          : method.withCaller
            ? method.fn.call(obj, this.caller, ...args)
            : method.fn.apply(obj, args);
    } catch (err) {
      this.lastEnd = NaN;
      this.failed(id, err, obj, name, token, started);
      return;
    }
    if (!isThenable(result)) {
      // The common case, answered without a closure made for it.
      if (observer) {
        const ended = performance.now();
        observer.end(token, true, (ended - started) / 1000);
        this.lastEnd = ended;
      }
      return this.host.answer(id, result);
    }
    this.serving++;
    this.lastEnd = NaN; // the method ran for a while before answering a promise
    result.then(
      (value) => {
        this.serving--;
        if (observer) observer.end(token, true, (performance.now() - started) / 1000);
        this.host.answer(id, value);
      },
      (err: unknown) => {
        this.serving--;
        this.failed(id, err, obj, name, token, started);
      },
    );
  }

  private failed(
    id: number,
    err: unknown,
    obj: Referenceable,
    name: string,
    token: unknown,
    started: number,
  ): void {
    this.methodFailed(err, obj, name);
    this.observer?.end(token, false, (performance.now() - started) / 1000);
    this.host.sendError(id, err);
  }

  private methodFailed(err: unknown, obj: Referenceable, method: string): void {
    const where = { target: obj.constructor.name, method, peer: this.host.remoteAddress };
    // zhub's own errors are expected conditions; anything else is a bug in the method.
    if (isExpectedError(err)) this.log().debug({ ...where, code: err.code }, err.message);
    else this.log().error({ ...where, err }, 'remote method raised an unexpected error');
  }
}
