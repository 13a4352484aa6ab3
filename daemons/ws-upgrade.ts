import { createHash, randomBytes } from 'node:crypto';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * The client's side of the WebSocket opening handshake (RFC 6455 §4.1), written for a daemon's
 * connect: one request written at once on a fresh socket, the 101 read from the socket's first
 * bytes, and the socket then handed to ws for the frames. ws's own client makes an HTTP
 * `ClientRequest` for it (header validation, an HTTP parser, an agent's bookkeeping): in a
 * process starting a thousand daemons that was about a third of each start-up's CPU.
 *
 * Nothing else of HTTP is spoken: no redirects, no proxies, no compression or subprotocols
 * offered (a 101 naming one is refused, as ws refuses it). The answer's head is bounded
 * (`MAX_HEAD_BYTES`) and so is the wait for it (`timeoutMs`).
 */

/** RFC 6455's GUID for Sec-WebSocket-Accept. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The most of an answer's head read (status line and headers); Node's own limit. */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface UpgradeTarget {
  secure: boolean;
  /** For the socket: an IPv6 address without its brackets. */
  host: string;
  port: number;
  /** The request target and the Host header, as the URL gives them. */
  path: string;
  hostHeader: string;
}

/** What a `ws:`/`wss:` URL (or `http:`/`https:`, as ws takes them) asks to connect to. */
export function upgradeTarget(url: string): UpgradeTarget {
  const u = new URL(url);
  const secure = u.protocol === 'wss:' || u.protocol === 'https:';
  if (!secure && u.protocol !== 'ws:' && u.protocol !== 'http:')
    throw new Error(`the URL's protocol must be ws: or wss:, not ${u.protocol}`);
  if (u.hash !== '') throw new Error('the URL must not have a fragment');
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return {
    secure,
    host,
    port: u.port === '' ? (secure ? 443 : 80) : Number(u.port),
    path: `${u.pathname}${u.search}`,
    hostHeader: u.host,
  };
}

export interface SocketOptions {
  localAddress?: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** A TCP (or, for `wss:`, TLS: always verified) socket to the target. */
export function openSocket(t: UpgradeTarget, o: SocketOptions): Socket {
  const local = o.localAddress ? { localAddress: o.localAddress } : {};
  const socket = t.secure
    ? tlsConnect({
        host: t.host,
        port: t.port,
        // SNI and the certificate's name check use the host name; an address has no SNI.
        servername: isIP(t.host) === 0 ? t.host : '',
        ...(o.ca ? { ca: o.ca } : {}),
        ...(o.cert ? { cert: o.cert } : {}),
        ...(o.key ? { key: o.key } : {}),
        rejectUnauthorized: true,
        ...local,
      })
    : netConnect({ host: t.host, port: t.port, ...local });
  socket.setNoDelay(true);
  return socket;
}

/** The request's key, the request itself and the accept value the answer must carry. */
export function upgradeRequest(
  t: UpgradeTarget,
  extra: Record<string, string>,
): { text: string; accept: string } {
  const key = randomBytes(16).toString('base64');
  let text =
    `GET ${t.path} HTTP/1.1\r\nHost: ${t.hostHeader}\r\nConnection: Upgrade\r\n` +
    `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n`;
  for (const [name, value] of Object.entries(extra)) {
    // Header values come from us, but a CR or LF would split the request: never written.
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value))
      throw new Error(`header ${name} holds a line break`);
    text += `${name}: ${value}\r\n`;
  }
  return {
    text: `${text}\r\n`,
    accept: createHash('sha1')
      .update(key + GUID)
      .digest('base64'),
  };
}

/** A parsed answer head: status and headers (names in lower case). */
export interface UpgradeAnswer {
  status: number;
  headers: Map<string, string>;
}

/** The answer's head, from its text before the blank line; undefined when it is not HTTP/1.x. */
export function parseAnswerHead(head: string): UpgradeAnswer | undefined {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (status === null) return undefined;
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers.get(name);
    headers.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  return { status: Number(status[1]), headers };
}

/** Why a 101 is not a valid answer to our request, or undefined when it is. */
export function answerProblem(a: UpgradeAnswer, accept: string): string | undefined {
  if (a.headers.get('upgrade')?.toLowerCase() !== 'websocket')
    return 'the answer does not upgrade to websocket';
  const connection = (a.headers.get('connection') ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase());
  if (!connection.includes('upgrade')) return 'the answer does not say Connection: Upgrade';
  if (a.headers.get('sec-websocket-accept') !== accept)
    return 'the answer has the wrong Sec-WebSocket-Accept';
  if (a.headers.has('sec-websocket-extensions'))
    return 'the answer names an extension, and none was offered';
  if (a.headers.has('sec-websocket-protocol'))
    return 'the answer names a subprotocol, and none was offered';
  return undefined;
}

/**
 * Reads the answer's head from `socket`: resolves with it and the bytes after it (the first
 * frames, which may come in the same segment); rejects when the socket fails or closes first,
 * the head outgrows MAX_HEAD_BYTES or is not HTTP, or nothing whole came within `timeoutMs`.
 * Once settled it no longer reads the socket, which is left paused.
 */
export function readAnswer(
  socket: Socket,
  timeoutMs: number,
): Promise<{ answer: UpgradeAnswer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let got: Buffer | undefined;
    const fail = (message: string): void => {
      done();
      socket.destroy();
      reject(new Error(message));
    };
    const onData = (chunk: Buffer): void => {
      got = got === undefined ? chunk : Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) {
        if (got.length > MAX_HEAD_BYTES) fail('the answer head is too large');
        return;
      }
      if (end > MAX_HEAD_BYTES) return fail('the answer head is too large');
      const answer = parseAnswerHead(got.toString('latin1', 0, end));
      if (answer === undefined) return fail('the answer is not HTTP');
      done();
      // The socket's bytes go to ws from here: none may be read in between (the caller
      // resumes it once ws listens), and an error in between is ws's to see as a close.
      socket.pause();
      socket.on('error', ignore);
      resolve({ answer, rest: got.subarray(end + 4) });
    };
    const onError = (err: Error): void => fail(err.message);
    const onClose = (): void => fail('the connection closed before the upgrade was answered');
    const timer = setTimeout(
      () => fail(`no answer to the upgrade within ${timeoutMs} ms`),
      timeoutMs,
    );
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

function ignore(): void {}
