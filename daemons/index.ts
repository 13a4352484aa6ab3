// The public names of daemons/: the client side. Reaches the hub over RPC only.
export { connectHub, HubClient } from './hub-client.js';
export type {
  ClientState,
  GetServiceOptions,
  HubClientEvents,
  HubClientOptions,
} from './hub-client.js';
export { ServiceProxy } from './service-proxy.js';
export { serviceHandle } from './service-handle.js';
export type { HandleOptions, ServiceHandle } from './service-handle.js';
export { wsConnector } from './ws-connect.js';
export type { ClientTls, ConnectOptions, Connector } from './ws-connect.js';
export { Spool } from './spool/spool.js';
export type { SpoolEntry, SpoolOptions, SpoolStats, Stream } from './spool/spool.js';
export { DEFAULT_SENDER, SpoolSender } from './spool/spool-sender.js';
export type { SendBatch, SenderOptions, SenderStats } from './spool/spool-sender.js';
export { Scheduler } from './scheduler.js';
export type { SchedulerOptions, SchedulerStats, TaskSpec } from './scheduler.js';
export { EventQueue } from './event-queue.js';
export type { DaemonEvent } from './event-queue.js';
export { HubDaemon } from './hub-daemon.js';
export type { HubDaemonOptions, Sample } from './hub-daemon.js';
export { CollectorDaemon } from './collector-daemon.js';
export type { CollectorDaemonOptions } from './collector-daemon.js';
export type {
  CollectContext,
  CollectedValue,
  CollectResult,
  Collector,
  DatapointConfig,
  DatasourceConfig,
  DeviceConfig,
} from './collector.js';
export {
  builtinCollectors,
  HostCollector,
  HttpCollector,
  PingCollector,
  PortCollector,
  SnmpCollector,
} from './collectors/builtin.js';
export { ValueProcessor } from './value-processor.js';
export { TrapDaemon, type TrapDaemonOptions } from './trap-daemon.js';
export { STANDARD_TRAPS, type TrapMapping } from './collectors/trap-mappings.js';
