// The public names of hub/.
export { buildHubServer } from './build-hub.js';
export type { HubServerOptions, ZHub } from './build-hub.js';
export { Hub } from './hub.js';
export type { HubCoreOptions, HubSecurity } from './hub.js';
export { daemonKey, HubService, instanceKey } from './hub-service.js';
export type {
  Caller,
  LaneSpec,
  ServiceClass,
  ServiceContext,
  ServiceEnvironment,
} from './hub-service.js';
export type { LanesOptions, LanesStatus } from './lanes/worker-lanes.js';
export type { LaneFigures } from './lanes/lane-scheduler.js';
export type { RestartCounts, WorkerFigures } from './lanes/worker-pool.js';
export { HubAvatar } from './hub-avatar.js';
export { LoginRoot } from './login-root.js';
export type { LoginInfo } from './login-root.js';
export { StaticMonitors } from './monitors.js';
export type { MonitorDirectory } from './monitors.js';
export { ServiceRegistry } from './service-registry.js';
export { Session } from './session.js';
export { defaultUsersFile, UserStore, USER_NAME, USERS_FILE } from './auth/users-file.js';
export { ROLES } from './auth/users-file.js';
export type { Grant, Role, UserChanges } from './auth/users-file.js';
export { LoginLimiter } from './auth/login-limiter.js';
export { LoginGuard } from './auth/login-guard.js';
export { UpgradeLimiter } from './auth/upgrade-limiter.js';
export { DeliveryClaims } from './delivery-claims.js';
export type { ClaimHooks, DuplicateSeen } from './delivery-claims.js';
export { randomPassword } from './auth/password-hash.js';
export { DEFAULT_TICKET_TTL_MS, TICKET_KEY_FILE, Tickets } from './auth/tickets.js';
export { SqliteStore } from './store/sqlite/sqlite-store.js';
export { PgStore } from './store/postgres/pg-store.js';
export type { PgStoreOptions } from './store/postgres/pg-store.js';
export type { SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export type {
  AuditEntry,
  AuditStore,
  TemplateStore,
  TemplateFields,
  Awaitable,
  DeviceDiff,
  EventQuery,
  IngestWriter,
  WriterOptions,
  EventStore,
  IngestResult,
  MetricQuery,
  MetricStore,
  ModelStore,
  Store,
  StoredEvent,
} from './store/store.js';
export { readDevicePage, type DeviceConfigPage, type PageLimits } from './model/device-pages.js';
export { DEFAULT_DATA_LIMITS } from './hub-environment.js';
export type { DataLimits, HubEnvironment } from './hub-environment.js';
export { DeviceModel, parseOrThrow } from './model/device-model.js';
export { ModelChanges } from './model/model-changes.js';
export type { TemplateChange } from './model/model-changes.js';
export { BUILTIN_TEMPLATES, builtinTemplates } from './model/builtin-templates.js';
export type { Collector, Device, DeviceInput, ModelChange } from './model/model-schemas.js';
export { checkBatch, checkEvent, checkSample } from './model/telemetry.js';
export type { EventInput, Rejected, SampleInput } from './model/telemetry.js';
export { HeartbeatMonitor } from './heartbeats.js';
export { DEFAULT_RETENTION, Retention } from './retention.js';
export type { RetentionOptions } from './retention.js';
export { StoreMonitors } from './monitors.js';
export {
  collectorInputSchema,
  deviceInputSchema,
  devicePatchSchema,
} from './model/model-schemas.js';
export { GroupCommit } from './store/group-commit.js';
export { HubMetrics } from './hub-metrics.js';
export type { MethodStats } from './hub-metrics.js';
export {
  makeCertAuthority,
  makeClientCertificate,
  makeServerCertificate,
} from './tls/cert-authority.js';
export type { CertAuthority, PemPair } from './tls/cert-authority.js';
