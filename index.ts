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
  ShortCircuit,
  TELEMETRY_LIMITS,
  ZHubError,
} from './shared/index.js';
export type { CallOptions, DeferredListOptions, ErrorCode, ResultEntry } from './shared/index.js';
export { buildHub, HubService, UserStore } from './hub/index.js';
export type { Caller, HubOptions, ServiceClass, ServiceContext, ZHub } from './hub/index.js';
export {
  CollectorDaemon,
  connectHub,
  HostCollector,
  HttpCollector,
  HubClient,
  HubDaemon,
  PortCollector,
  ServiceProxy,
  Spool,
} from './daemons/index.js';
export type {
  CollectContext,
  CollectedValue,
  CollectResult,
  Collector,
  CollectorDaemonOptions,
  DaemonEvent,
  DatasourceConfig,
  DeviceConfig,
  HubClientOptions,
  HubDaemonOptions,
  Sample,
} from './daemons/index.js';
