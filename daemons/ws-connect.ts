import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { Transport } from '../shared/index.js';
import {
  answerProblem,
  openSocket,
  readAnswer,
  upgradeRequest,
  upgradeTarget,
  type UpgradeAnswer,
} from './ws-upgrade.js';
import {
  UPGRADE_FRAME_HEADER,
  UPGRADE_FRAME_TAKEN,
  WsTransport,
  ZHubError,
} from '../shared/index.js';

/** What the client gives a connector besides the URL. */
export interface ConnectOptions {
  /**
   * The client's first frame (hello and login), to carry in the upgrade request; a connector
   * that cannot ignores it, and the transport's `upgradeFrameTaken` says whether the hub took it.
   */
  upgradeFrame?: string;
}

/** Opens a transport to `url`. Injected into the hub client so tests can use memory pairs. */
export type Connector = (url: string, options?: ConnectOptions) => Promise<Transport>;

/** How a client verifies a `wss://` hub and, for mTLS, proves itself (PEM). */
export interface ClientTls {
  /** CA certificates to trust instead of the system's (a private CA: `zhub cert init`). */
  ca?: string | Buffer;
  /** This daemon's client certificate and key, when the hub asks for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** ws's own bounds for a client's incoming messages (ws 8.23's defaults), besides maxPayload. */
const WS_CLIENT = {
  allowSynchronousEvents: true,
  maxBufferedChunks: 256 * 1024,
  maxFragments: 16 * 1024,
  skipUTF8Validation: false,
} as const;

/** ws's client defaults for the WebSocket itself (ws 8.23's). */
const WS_CLIENT_SOCKET = { autoPong: true, maxPendingAutoPongs: 60, closeTimeout: 30_000 };

/** What of ws a connector relies on to take over an upgraded socket (checked at each use). */
interface WsTakeover {
  _isServer: boolean;
  _bufferedAmount: number;
  _redirects: number;
  setSocket(socket: Socket, head: Buffer, options: Record<string, unknown>): void;
}

/**
 * The default connector: the opening handshake written by zhub (ws-upgrade.ts: one request,
 * the 101 read off the socket), then a `ws` WebSocket on that socket for the frames; no
 * compression, bounded incoming frames. A `wss://` hub's certificate is always verified
 * (against `tls.ca`, else the system's CAs), never skipped.
 */
export function wsConnector(options: {
  maxFrameBytes: number;
  handshakeTimeoutMs: number;
  /** Source address to connect from (a multi-homed host; default: the system's choice). */
  localAddress?: string;
  tls?: ClientTls;
}): Connector {
  const socketOptions = {
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
    ...(options.tls?.cert ? { cert: options.tls.cert } : {}),
    ...(options.tls?.key ? { key: options.tls.key } : {}),
  };
  const wsOptions = { ...WS_CLIENT, maxPayload: options.maxFrameBytes };
  return async (url, connect) => {
    const frame = connect?.upgradeFrame;
    let request: { text: string; accept: string };
    let socket: Socket;
    try {
      const target = upgradeTarget(url);
      request = upgradeRequest(target, frame !== undefined ? { 'X-Zhub-Frame': frame } : {});
      // Throws at once only for options it cannot use (a bad localAddress).
      socket = openSocket(target, socketOptions);
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_CONFIG',
        `cannot connect to ${url} as configured: ${(err as Error).message}`,
      );
    }
    socket.write(request.text, 'latin1');
    let answer: UpgradeAnswer;
    let rest: Buffer;
    try {
      ({ answer, rest } = await readAnswer(socket, options.handshakeTimeoutMs));
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_NOT_CONNECTED',
        `cannot connect to ${url}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (answer.status !== 101) {
      socket.destroy();
      throw new ZHubError(
        'HUB_ERR_NOT_CONNECTED',
        `hub at ${url} refused the upgrade (HTTP ${answer.status})`,
      );
    }
    const problem = answerProblem(answer, request.accept);
    if (problem !== undefined) {
      socket.destroy();
      throw new ZHubError('HUB_ERR_NOT_CONNECTED', `cannot connect to ${url}: ${problem}`);
    }
    // ws made as a server would make it (no URL: no handshake of its own), then told it is
    // the client (its frames masked, the hub's expected unmasked) and given the socket.
    const ws = new WebSocket(null as unknown as string, undefined, WS_CLIENT_SOCKET);
    const takeover = ws as unknown as WsTakeover;
    if (typeof takeover.setSocket !== 'function' || takeover._isServer !== true) {
      socket.destroy();
      throw new ZHubError('HUB_ERR_CONFIG', 'this ws version cannot take an upgraded socket');
    }
    takeover._isServer = false;
    takeover._bufferedAmount = 0;
    takeover._redirects = 0;
    takeover.setSocket(socket, rest, wsOptions);
    socket.resume();
    return new WsTransport(ws, url, {
      upgradeFrameTaken:
        frame !== undefined && answer.headers.get(UPGRADE_FRAME_HEADER) === UPGRADE_FRAME_TAKEN,
    });
  };
}
