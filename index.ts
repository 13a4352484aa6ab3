// zhub's public API: what an application imports from 'zhub'.
export * as shared from './shared/index.js';
// The schema library contracts are written with, so that a project needs no zod of its own.
export { z } from 'zod';
export {
  Backoff,
  Broker,
  deferredList,
  AddContract,
  ConfigContract,
  defineContract,
  drive,
  driveLater,
  Driver,
  ERROR_CODES,
  EventContract,
  MetricContract,
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
export type {
  BatchAnswer,
  CallOptions,
  CheckedArgs,
  ConfigListener,
  ConfigProperties,
  Contract,
  ContractArgs,
  ContractResult,
  DeferredListOptions,
  DeliveryMarks,
  DeviceConfigPage,
  DeviceDiff,
  ErrorCode,
  EventItem,
  MethodSpec,
  MethodSpecs,
  RejectedItem,
  ResultEntry,
  SampleItem,
} from './shared/index.js';
export { HubService, UserStore } from './hub/index.js';
export type {
  Caller,
  LaneSpec,
  LanesOptions,
  LanesStatus,
  ServiceClass,
  ServiceContext,
  ZHub,
} from './hub/index.js';
export { buildHub } from './services/index.js';
export type { HubOptions } from './services/index.js';
// What a hub's options are made of: limits (defaults in one place), the monitor directory,
// the store, the logger and the clock.
export {
  DEFAULT_CLIENT_LIMITS,
  DEFAULT_HUB_LIMITS,
  DEFAULT_LANES,
  DEFAULT_RPC_LIMITS,
  DEFAULT_WORKER_POOL,
  LANE_NAMES,
  createLogger,
  systemClock,
} from './shared/index.js';
export type {
  ClientLimits,
  Clock,
  HubLimits,
  LaneLimits,
  LaneName,
  Logger,
  RpcLimits,
  WorkerPoolLimits,
} from './shared/index.js';
export { DEFAULT_DATA_LIMITS, PgStore, SqliteStore, StaticMonitors } from './hub/index.js';
export type {
  DataLimits,
  HubCoreOptions,
  MonitorDirectory,
  PgStoreOptions,
  RetentionOptions,
  SqliteStoreOptions,
  Store,
} from './hub/index.js';
export {
  CollectorDaemon,
  connectHub,
  serviceHandle,
  HostCollector,
  HttpCollector,
  HubClient,
  HubDaemon,
  PingCollector,
  PortCollector,
  ServiceProxy,
  SnmpCollector,
  Spool,
  STANDARD_TRAPS,
  TrapDaemon,
} from './daemons/index.js';
export type { TrapDaemonOptions, TrapMapping } from './daemons/index.js';
export type {
  CollectContext,
  CollectedValue,
  CollectResult,
  Collector,
  CollectorDaemonOptions,
  DaemonEvent,
  DatasourceConfig,
  DeviceConfig,
  GetServiceOptions,
  HandleOptions,
  ServiceHandle,
  ClientTls,
  HubClientOptions,
  HubDaemonOptions,
  Sample,
} from './daemons/index.js';
