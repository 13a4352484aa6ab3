import { toErrorRecord } from './error-record.js';
import { Op } from './protocol.js';
import { RawJson } from './raw-json.js';
import { encodeValue, type RefContext } from './value-codec.js';

// The text of the messages a broker sends, built from values (docs/protocol.md has the
// layouts). Size checks are the caller's: it knows the frame limit and what to do past it.

/** `[CALL, id, target, method, args, meta?]` */
export function callText(
  id: number,
  target: number,
  method: string,
  args: unknown[],
  maxDepth: number,
  refs: RefContext,
): string {
  const flat = flatArgsText(args);
  if (flat !== undefined) return `[${Op.CALL},${id},${target},${methodText(method)},${flat}]`;
  const enc = encodeValue(args, maxDepth, refs);
  return JSON.stringify(
    enc.meta === undefined
      ? [Op.CALL, id, target, method, enc.json]
      : [Op.CALL, id, target, method, enc.json, enc.meta],
  );
}

/** `[ANSWER, id, value, meta?]`; a RawJson value is written as it is (already encoded). */
export function answerText(id: number, value: unknown, maxDepth: number, refs: RefContext): string {
  if (value instanceof RawJson) return `[${Op.ANSWER},${id},${value.json}]`;
  // A plain number (what most calls answer) is its own JSON text: no array to stringify.
  if (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0))
    return `[${Op.ANSWER},${id},${value}]`;
  const enc = encodeValue(value, maxDepth, refs);
  return JSON.stringify(
    enc.meta === undefined ? [Op.ANSWER, id, enc.json] : [Op.ANSWER, id, enc.json, enc.meta],
  );
}

/**
 * `[ERROR, id, record, meta?]` for any thrown value; `tooBig` decides when the record is cut
 * to its first 1,000 characters of message, without data or stack, so that an error always
 * gets through.
 */
export function errorText(
  id: number,
  err: unknown,
  tracebacks: boolean,
  maxDepth: number,
  refs: RefContext,
  tooBig: (text: string) => boolean,
): string {
  const record = toErrorRecord(err, tracebacks);
  let meta: unknown;
  if (record.data !== undefined) {
    try {
      const enc = encodeValue(record.data, maxDepth, refs);
      record.data = enc.json;
      meta = enc.meta;
    } catch {
      delete record.data;
    }
  }
  const text = JSON.stringify(
    meta === undefined ? [Op.ERROR, id, record] : [Op.ERROR, id, record, meta],
  );
  if (!tooBig(text)) return text;
  return JSON.stringify([
    Op.ERROR,
    id,
    { ...record, message: record.message.slice(0, 1000), data: undefined, stack: undefined },
  ]);
}

/**
 * The JSON text of arguments that are all plain numbers, strings, booleans or null (most
 * calls), written without walking them twice; undefined for anything else.
 */
function flatArgsText(args: unknown[]): string | undefined {
  let text = '[';
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (i > 0) text += ',';
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0)) return undefined;
      text += v;
    } else if (typeof v === 'string') text += JSON.stringify(v);
    else if (typeof v === 'boolean' || v === null) text += String(v);
    else return undefined;
  }
  return `${text}]`;
}

const methodTexts = new Map<string, string>();

/** A method name's JSON text; the names a program calls are few, so they are kept. */
function methodText(method: string): string {
  let text = methodTexts.get(method);
  if (text === undefined) {
    text = JSON.stringify(method);
    if (methodTexts.size < 1_000) methodTexts.set(method, text);
  }
  return text;
}
