import type { Collector } from '../collector.js';
import { HostCollector } from './host.js';
import { HttpCollector } from './http.js';
import { PingCollector } from './ping.js';
import { PortCollector } from './port.js';
import { SnmpCollector } from './snmp.js';

export { HostCollector, HttpCollector, PingCollector, PortCollector, SnmpCollector };

/** The collector plug-ins zhub ships, by datasource type. */
export const builtinCollectors: Readonly<Record<string, () => Collector>> = {
  port: () => new PortCollector(),
  http: () => new HttpCollector(),
  host: () => new HostCollector(),
  snmp: () => new SnmpCollector(),
  ping: () => new PingCollector(),
};
