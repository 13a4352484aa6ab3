import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { UPGRADE_FRAME_HEADER, UPGRADE_FRAME_TAKEN, WsTransport } from '../shared/index.js';
import type { Hub } from './hub.js';
import { UpgradePacer } from './upgrade-pacer.js';

/** Who the hub trusts for the client's address (fastify's `trustProxy`, as the hub takes it). */
export type TrustProxy = boolean | string | string[] | undefined;

const REFUSALS = {
  rate: 'too many connection attempts from this address',
  pending: 'too many connections from this address waiting to log in',
} as const;

const PACER_REFUSALS = {
  full: 'hub busy: too many connections waiting to be taken',
  waited: 'hub busy: the connection waited too long to be taken',
} as const;

const NOT_ACCEPTING = 'hub not accepting connections';

/** Answers an upgrade with an HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: string, why: string, retryAfterS = 1): void {
  const body = JSON.stringify({ error: why });
  socket.on('error', ignore);
  socket.end(
    `HTTP/1.1 ${status}\r\nRetry-After: ${retryAfterS}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function ignore(): void {}

/**
 * The client's address as fastify's `req.ip` gives it: the socket's, or behind trusted proxies
 * the nearest untrusted address of X-Forwarded-For (`@fastify/proxy-addr`, which fastify uses).
 */
export function clientAddressOf(trustProxy: TrustProxy): (req: IncomingMessage) => string {
  if (trustProxy === undefined || trustProxy === false)
    return (req) => req.socket.remoteAddress ?? 'unknown';
  const trust =
    trustProxy === true
      ? () => true
      : proxyAddr.compile(
          typeof trustProxy === 'string' ? trustProxy.split(',').map((v) => v.trim()) : trustProxy,
        );
  // Asked for several times per upgrade (admission, the queue, the session): walked once.
  const known = new WeakMap<IncomingMessage, string>();
  return (req) => {
    let address = known.get(req);
    if (address === undefined) {
      const all = proxyAddr.all(req, trust);
      address = all[all.length - 1] ?? req.socket.remoteAddress ?? 'unknown';
      known.set(req, address);
    }
    return address;
  };
}

/**
 * The daemons' endpoint (`path`, default `/hub`), on the raw `upgrade` event of the HTTP
 * server, before fastify:
 *
 * - admission per client address (rate, connections not yet logged in): under a flood a
 *   refusal costs one short write and a close, so the daemons already connected keep their
 *   throughput;
 * - pacing (UpgradePacer): admitted upgrades are taken one per turn of the event loop, so a
 *   reconnect storm neither stalls the loop nor holds up the calls of the daemons connected;
 * - the upgrade itself, by @fastify/websocket's ws server, without a trip through fastify's
 *   router (a Request, a Reply and their hooks per connect were a tenth of a login's CPU): the
 *   connection is the hub's from the first byte, and logs through its session.
 *
 * Upgrades to other paths go on to fastify as before.
 */
export function serveDaemonUpgrades(
  app: FastifyInstance,
  hub: Hub,
  options: { path: string; trustProxy: TrustProxy },
): void {
  const server = app.server;
  const wss = app.websocketServer;
  const others = server.listeners('upgrade') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('upgrade');
  const addressOf = clientAddressOf(options.trustProxy);
  const toHub = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!isPath(req.url, options.path)) {
      for (const h of others) h.call(server, req, socket, head);
      return;
    }
    // Refused before the upgrade when full or closing: cheaper than accepting to hang up.
    if (!hub.accepting) {
      refuseUpgrade(socket, '503 Service Unavailable', NOT_ACCEPTING, 5);
      return;
    }
    const address = addressOf(req);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // The client's first frame may have come in the upgrade: read first, checked as any.
      const first = req.headers[UPGRADE_FRAME_HEADER];
      hub.accept(
        new WsTransport(ws, address, {
          upgradeFrame: typeof first === 'string' ? first : undefined,
        }),
      );
    });
  };
  // The 101 says the first frame was taken: the client does not send it again. The login it
  // carried is mostly answered in the same turn: the 101 is held (corked) to the end of the
  // turn so that it leaves with that answer, one write and one segment, and the client reads
  // both at once. A login that takes longer (scrypt) gets the 101 alone first.
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    if (typeof req.headers[UPGRADE_FRAME_HEADER] !== 'string') return;
    headers.push(`X-Zhub-Frame: ${UPGRADE_FRAME_TAKEN}`);
    const socket = req.socket;
    socket.cork();
    setImmediate(() => socket.uncork());
  });
  // Waiting upgrades count as their address's connections not logged in (maxPendingLogins).
  const pacer = new UpgradePacer({
    clock: hub.clock,
    maxQueued: hub.limits.maxQueuedUpgrades,
    maxWaitMs: hub.limits.upgradeQueueTimeoutMs,
    take: toHub,
    refuse: (socket, why) => refuseUpgrade(socket, '503 Service Unavailable', PACER_REFUSALS[why]),
    queued: (req) => hub.upgrades.opened(addressOf(req)),
    left: (req) => hub.upgrades.settled(addressOf(req)),
  });
  hub.upgradeQueue = pacer;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = hub.upgrades.admit(addressOf(req));
    if (refusal !== undefined) {
      refuseUpgrade(socket, '429 Too Many Requests', REFUSALS[refusal]);
      return;
    }
    pacer.offer(req, socket, head);
  });
}

/** `url`'s path (the query left off) is `path`, as fastify's router matches it. */
function isPath(url: string | undefined, path: string): boolean {
  if (url === undefined || !url.startsWith(path)) return false;
  return url.length === path.length || url.charCodeAt(path.length) === 0x3f; // '?'
}
