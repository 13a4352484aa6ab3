// zhub's public API: what an application imports from 'zhub'.
export * as shared from './shared/index.js';
export {
  Backoff,
  Broker,
  deferredList,
  drive,
  driveLater,
  Driver,
  ERROR_CODES,
  Failure,
  FirstError,
  gatherResults,
  NJobs,
  Referenceable,
  registerCopyable,
  RemoteError,
  RemoteReference,
  ZHubError,
} from './shared/index.js';
export type { CallOptions, DeferredListOptions, ErrorCode, ResultEntry } from './shared/index.js';
export { buildHub, HubService, UserStore } from './hub/index.js';
export type { Caller, HubOptions, ServiceClass, ServiceContext, ZHub } from './hub/index.js';
export { connectHub, HubClient, ServiceProxy } from './daemons/index.js';
export type { HubClientOptions } from './daemons/index.js';
