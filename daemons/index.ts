// The public names of daemons/: the client side. Reaches the hub over RPC only.
export { connectHub, HubClient } from './hub-client.js';
export type { ClientState, HubClientEvents, HubClientOptions } from './hub-client.js';
export { ServiceProxy } from './service-proxy.js';
export { wsConnector } from './ws-connect.js';
export type { Connector } from './ws-connect.js';
