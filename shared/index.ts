// The public names of shared/: what both the hub and the daemons use.
export { Failure, FirstError, isThenable } from './async/failure.js';
export { deferredList, gatherResults } from './async/deferred-list.js';
export type { DeferredListOptions, ResultEntry } from './async/deferred-list.js';
export { NJobs } from './async/njobs.js';
export { drive, driveLater, Driver, ShortCircuit } from './async/driver.js';
export type { DriveGenerator } from './async/driver.js';
export { ERROR_CODES, RemoteError, ZHubError, isExpectedError } from './errors.js';
export type { ErrorCode, ZHubErrorOptions } from './errors.js';
export {
  DEFAULT_CLIENT_LIMITS,
  DEFAULT_DAEMON_LIMITS,
  DEFAULT_DATA_LIMITS,
  DEFAULT_HUB_LIMITS,
  DEFAULT_LANES,
  DEFAULT_RETENTION,
  DEFAULT_RPC_LIMITS,
  DEFAULT_SENDER,
  DEFAULT_WORKER_POOL,
  LANE_NAMES,
  TABLE_BOUNDS,
} from './limits.js';
export type {
  ClientLimits,
  DaemonLimits,
  DataLimits,
  HubLimits,
  LaneLimits,
  LaneName,
  PageLimits,
  RetentionOptions,
  RpcLimits,
  SenderOptions,
  WorkerPoolLimits,
} from './limits.js';
export {
  checkEventBody,
  checkSampleBody,
  EVENT_KEYS,
  InvalidItem,
  REFUSAL_REASONS,
  TELEMETRY_LIMITS,
  truncateText,
} from './telemetry-rules.js';
export type { CheckedEvent, CheckedSample, RefusalReason } from './telemetry-rules.js';
export { brandAcrossCopies } from './brand.js';
export { isSecretKey, REDACTED, redactSecrets } from './secrets.js';
export { moduleLoadFailure } from './module-load.js';
export { readConfigFile } from './config-file.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { Backoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { createLogger, silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { defineContract } from './contract/contract.js';
export type {
  CheckedArgs,
  Contract,
  ContractArgs,
  ContractResult,
  MethodSpec,
  MethodSpecs,
} from './contract/contract.js';
export { argsCheck } from './contract/args-check.js';
export { AddContract } from './contract/add-contract.js';
export { AvatarContract } from './contract/avatar-contract.js';
export type { Whoami } from './contract/avatar-contract.js';
export { ConfigContract, MAX_KNOWN_IDS } from './contract/config-contract.js';
export type {
  ConfigListener,
  ConfigProperties,
  DeviceConfigPage,
  DeviceDiff,
} from './contract/config-contract.js';
export { EventContract, MetricContract } from './contract/ingest-contracts.js';
export type {
  BatchAnswer,
  DaemonEvent,
  DeliveryMarks,
  EventItem,
  RejectedItem,
  SampleItem,
} from './contract/ingest-contracts.js';
export {
  collectorInputSchema,
  DEFAULT_COLLECTOR_PROPERTIES,
  datapointSchema,
  datasourceSchema,
  describeIssues,
  deviceInputSchema,
  devicePatchSchema,
  ID,
  NAME,
  severitySchema,
  boundTemplates,
  boundTemplatesSchema,
  effectiveDatasources,
  MAX_BOUND_TEMPLATES,
  templateInputSchema,
  templatePatchSchema,
  TEMPLATES_PROPERTY,
} from './contract/device-schemas.js';
export type {
  CollectorRecord,
  DatapointConfig,
  DatapointInput,
  DatasourceConfig,
  DatasourceInput,
  Device,
  DeviceConfig,
  DeviceInput,
  DevicePatch,
  TemplateInput,
  TemplatePatch,
  TemplateRecord,
} from './contract/device-schemas.js';
export type { ArgsCheck } from './contract/args-check.js';
export { Broker } from './rpc/broker.js';
export type {
  BrokerOptions,
  BrokerStats,
  CallInvoker,
  CallObserver,
  CloseInfo,
} from './rpc/broker.js';
export { Referenceable, remoteMethodsOf } from './rpc/referenceable.js';
export type { MethodTable, RemoteMethod } from './rpc/referenceable.js';
export { RemoteReference } from './rpc/remote-reference.js';
export type { CallOptions } from './rpc/remote-reference.js';
export { registerCopyable } from './rpc/copyable.js';
export { SharedArgs } from './rpc/shared-args.js';
export { RawJson } from './rpc/raw-json.js';
export { fromErrorRecord, toErrorRecord } from './rpc/error-record.js';
export type { ErrorRecord } from './rpc/error-record.js';
export { CloseCode, LOGIN_SERVICES_MAX, Op, PROTOCOL_VERSION } from './rpc/protocol.js';
export type { Transport, TransportHandlers } from './rpc/transport.js';
export { WsTransport } from './rpc/ws-transport.js';
export {
  headerSafeFrame,
  LateTransport,
  UPGRADE_FRAME_HEADER,
  UPGRADE_FRAME_MAX_CHARS,
  UPGRADE_FRAME_TAKEN,
} from './rpc/late-transport.js';
export { exceedsDepth } from './rpc/frame-reader.js';
