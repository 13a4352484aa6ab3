import { ZHubError } from '../errors.js';
import { DEFAULT_RPC_LIMITS } from '../limits.js';
import { encodeValue, type RefContext } from './value-codec.js';

const noRefs: RefContext = {
  serializeRef: () => {
    throw new ZHubError('HUB_ERR_NOT_COPYABLE', 'shared arguments cannot hold references');
  },
  deserializeRef: () => undefined,
};

/**
 * Call arguments encoded once and sent to many peers (a config push to every listener of a
 * monitor). Only plain JSON data can be shared: references and superjson types belong to one
 * connection. Pass it as the only argument: `ref.callRemote('update', shared)`.
 */
export class SharedArgs {
  /** The encoded argument array. */
  readonly json: string;
  /** The same, as UTF-8, written as is to every socket that can take parts. */
  readonly buffer: Buffer;
  readonly bytes: number;

  /**
   * Arguments already encoded as a JSON array by this process (a spool's stored items joined
   * into a batch): sent as they are, without being parsed and encoded again.
   */
  static fromJson(json: string): SharedArgs {
    const shared = Object.create(SharedArgs.prototype) as {
      json: string;
      buffer: Buffer;
      bytes: number;
    };
    shared.json = json;
    shared.buffer = Buffer.from(json, 'utf8');
    shared.bytes = shared.buffer.length;
    return shared;
  }

  constructor(args: unknown[], maxDepth = DEFAULT_RPC_LIMITS.maxDepth) {
    const enc = encodeValue(args, maxDepth, noRefs);
    if (enc.meta !== undefined) {
      throw new ZHubError(
        'HUB_ERR_NOT_COPYABLE',
        'shared arguments must be plain JSON data (no Date, Map, bigint, references...)',
      );
    }
    this.json = JSON.stringify(enc.json);
    this.buffer = Buffer.from(this.json, 'utf8');
    this.bytes = this.buffer.length;
  }
}
