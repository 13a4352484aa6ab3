import { WebSocket } from 'ws';
import type { Transport } from '../shared/index.js';
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

/**
 * The default connector: a `ws` WebSocket, no compression, bounded incoming frames. A `wss://`
 * hub's certificate is always verified (against `tls.ca`, else the system's CAs), never skipped.
 */
export function wsConnector(options: {
  maxFrameBytes: number;
  handshakeTimeoutMs: number;
  /** Source address to connect from (a multi-homed host; default: the system's choice). */
  localAddress?: string;
  tls?: ClientTls;
}): Connector {
  // Made once per connector (ws copies its options): a storm of start-ups makes no copies.
  const base = {
    maxPayload: options.maxFrameBytes,
    perMessageDeflate: false,
    handshakeTimeout: options.handshakeTimeoutMs,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
    ...(options.tls?.cert ? { cert: options.tls.cert } : {}),
    ...(options.tls?.key ? { key: options.tls.key } : {}),
    rejectUnauthorized: true,
  };
  return (url, connect) =>
    new Promise((resolve, reject) => {
      let ws: WebSocket;
      const frame = connect?.upgradeFrame;
      try {
        ws = new WebSocket(
          url,
          frame !== undefined ? { ...base, headers: { [UPGRADE_FRAME_HEADER]: frame } } : base,
        );
      } catch (err) {
        reject(
          new ZHubError('HUB_ERR_CONFIG', `invalid hub URL ${url}: ${(err as Error).message}`),
        );
        return;
      }
      const onError = (err: Error): void => {
        cleanup();
        reject(
          new ZHubError('HUB_ERR_NOT_CONNECTED', `cannot connect to ${url}: ${err.message}`, {
            cause: err,
          }),
        );
      };
      // ws emits 'upgrade' (the 101's head) just before 'open'.
      let taken = false;
      const onUpgrade = (res: { headers: Record<string, unknown> }): void => {
        taken = frame !== undefined && res.headers[UPGRADE_FRAME_HEADER] === UPGRADE_FRAME_TAKEN;
      };
      const onOpen = (): void => {
        cleanup();
        resolve(new WsTransport(ws, url, { upgradeFrameTaken: taken }));
      };
      const onResponse = (_req: unknown, res: { statusCode?: number }): void => {
        cleanup();
        ws.terminate();
        reject(
          new ZHubError(
            'HUB_ERR_NOT_CONNECTED',
            `hub at ${url} refused the upgrade (HTTP ${res.statusCode ?? '?'})`,
          ),
        );
      };
      const cleanup = (): void => {
        ws.off('error', onError);
        ws.off('open', onOpen);
        ws.off('upgrade', onUpgrade);
        ws.off('unexpected-response', onResponse);
        // Later errors are reported through close by WsTransport. A function of this module,
        // not of this scope: a closure here would hold the whole connect attempt for as long
        // as the socket lives.
        ws.on('error', ignore);
      };
      ws.once('error', onError);
      ws.once('open', onOpen);
      if (frame !== undefined) ws.once('upgrade', onUpgrade);
      ws.once('unexpected-response', onResponse);
    });
}

function ignore(): void {}
