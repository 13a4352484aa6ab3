import type { ErrorCode } from '../errors.js';
import { CloseCode, ENVELOPE_DEPTH } from './protocol.js';

export type FrameResult =
  | { ok: true; messages: unknown[][]; suspicious: boolean }
  | { ok: false; code: ErrorCode; closeCode: number; message: string };

/**
 * First line of defence for every incoming frame, in order: type (text only), size, nesting
 * depth (on the raw text before parsing for frames over 64 KiB, on the parsed tree for smaller
 * ones, before anything walks the value recursively), JSON syntax, then the envelope shape
 * (an array of arrays, each starting with an integer opcode). Payload checks come later, per
 * message, so one bad call can be answered without dropping the connection.
 *
 * `suspicious` is set when the text mentions `__proto__`, so the broker checks decoded payloads
 * for own `__proto__` keys only then (JSON.parse creates such keys as own properties).
 */
export function readFrame(
  data: string | Buffer | ArrayBuffer | Buffer[],
  isBinary: boolean,
  maxFrameBytes: number,
  maxDepth: number,
): FrameResult {
  if (isBinary)
    return fail('HUB_ERR_PROTOCOL', CloseCode.UNSUPPORTED_DATA, 'binary frames are not accepted');
  const size = typeof data === 'string' ? Buffer.byteLength(data) : byteSize(data);
  if (size > maxFrameBytes) {
    return fail(
      'HUB_ERR_TOO_LARGE',
      CloseCode.TOO_BIG,
      `frame of ${size} bytes exceeds ${maxFrameBytes}`,
    );
  }
  const text = typeof data === 'string' ? data : toText(data);
  const limit = maxDepth + ENVELOPE_DEPTH;
  // A large frame is scanned before it is parsed: nothing is allocated for a hostile one. A
  // small one is parsed first (JSON.parse does not recurse) and its tree walked, which costs
  // a third of the scan; what parsing it can allocate is bounded by its size.
  const small = size <= TREE_CHECK_BYTES;
  if (!small && exceedsDepth(text, limit)) return tooDeep(maxDepth);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('HUB_ERR_PROTOCOL', CloseCode.PROTOCOL_ERROR, 'frame is not valid JSON');
  }
  if (small && nestsDeeper(parsed, limit)) return tooDeep(maxDepth);
  if (!Array.isArray(parsed) || parsed.length === 0) {
    return fail(
      'HUB_ERR_PROTOCOL',
      CloseCode.PROTOCOL_ERROR,
      'frame must be a non-empty array of messages',
    );
  }
  for (const m of parsed) {
    if (!Array.isArray(m) || !Number.isInteger(m[0])) {
      return fail(
        'HUB_ERR_PROTOCOL',
        CloseCode.PROTOCOL_ERROR,
        'each message must be an array starting with an opcode',
      );
    }
  }
  return { ok: true, messages: parsed as unknown[][], suspicious: text.includes('__proto__') };
}

/** Frames up to this size have their depth checked on the parsed tree rather than the text. */
export const TREE_CHECK_BYTES = 64 * 1024;

function tooDeep(maxDepth: number): FrameResult {
  return fail(
    'HUB_ERR_TOO_DEEP',
    CloseCode.POLICY_VIOLATION,
    `frame nests deeper than ${maxDepth} levels`,
  );
}

/**
 * True when arrays and objects in `v` (decoded JSON) nest deeper than `limit` — the same
 * answer as {@link exceedsDepth} on its text. Recursion stops at `limit` levels.
 */
export function nestsDeeper(v: unknown, limit: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (limit === 0) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null && nestsDeeper(x, limit - 1)) return true;
    }
    return false;
  }
  for (const key in v) {
    const x = (v as Record<string, unknown>)[key];
    if (typeof x === 'object' && x !== null && nestsDeeper(x, limit - 1)) return true;
  }
  return false;
}

function fail(code: ErrorCode, closeCode: number, message: string): FrameResult {
  return { ok: false, code, closeCode, message };
}

function byteSize(data: Buffer | ArrayBuffer | Buffer[]): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function toText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** True when brackets outside strings nest deeper than `limit`. Linear, no recursion. */
export function exceedsDepth(text: string, limit: number): boolean {
  // A text shorter than the limit cannot nest deeper than it.
  if (text.length <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
  return false;
}

/** True when `v` (decoded JSON) holds an own `__proto__` key anywhere. */
export function hasProtoKey(v: unknown, depth = 0): boolean {
  if (v === null || typeof v !== 'object' || depth > 1000) return false;
  if (Array.isArray(v)) return v.some((x) => hasProtoKey(x, depth + 1));
  if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return true;
  for (const key of Object.keys(v))
    if (hasProtoKey((v as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}
