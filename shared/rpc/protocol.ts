/**
 * The wire protocol: WebSocket text frames, each a JSON array of messages, each message an
 * array whose first element is its opcode. docs/protocol.md describes every frame.
 */
export const PROTOCOL_VERSION = 1;

export const Op = {
  /** `[0, version, info]`: first message each side sends. */
  HELLO: 0,
  /** `[1, requestId, targetId, method, args, meta?]` */
  CALL: 1,
  /** `[2, requestId, value, meta?]` */
  ANSWER: 2,
  /** `[3, requestId, errorRecord, meta?]` */
  ERROR: 3,
  /** `[4, objectId, count]`: the sender dropped `count` receipts of a reference to your object. */
  DECREF: 4,
  /** `[5, code, message]`: why the sender is about to close. */
  GOODBYE: 5,
  /**
   * `[6, objectId]`: the sender no longer exports that object (a service module was reloaded):
   * the receiver's reference to it is dead from now on, as if its connection had dropped.
   */
  REVOKE: 6,
} as const;

/** WebSocket close codes zhub uses (1xxx from RFC 6455, 4xxx application-defined). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  POLICY_VIOLATION: 1008,
  TOO_BIG: 1009,
  VERSION_MISMATCH: 4001,
  LOGIN_TIMEOUT: 4002,
  AUTH_FAILED: 4003,
  SEND_BUFFER_FULL: 4004,
  SHUTTING_DOWN: 4005,
  HANDSHAKE_TIMEOUT: 4006,
  PING_TIMEOUT: 4007,
  SUPERSEDED: 4008,
  CREDENTIALS_REVOKED: 4009,
} as const;

/**
 * Services a login may ask for besides the avatar (`login(user, secret, { services })`, each
 * entry `getService`'s arguments): the hub answers `{ avatar, services }`, a round trip saved
 * on every (re)connect. Past this many, the rest are got by `getService` as usual.
 */
export const LOGIN_SERVICES_MAX = 16;

/** Levels of nesting the envelope itself adds around a value (frame, message, args). */
export const ENVELOPE_DEPTH = 3;

/** Reference marker owner flags, inside the codec's `r` custom type: `[owner, id]`. */
export const RefOwner = {
  /** The object lives on the sender; the receiver gets a RemoteReference. */
  SENDER: 0,
  /** The object lives on the receiver: a reference going home. */
  RECEIVER: 1,
} as const;

/** A request id: a positive safe integer. */
export const isReqId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
/** An object id: a non-negative safe integer (0 is the root). */
export const isObjId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
