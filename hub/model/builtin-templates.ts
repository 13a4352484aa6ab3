// The templates zhub ships for the common cases, created in a new store (and restored with
// `zhub template import --builtin`): SNMP interfaces (IF-MIB), host resources
// (HOST-RESOURCES-MIB) and ping. Bind them with zDeviceTemplates; copy and edit to adapt.
import type { TemplateInput } from '../../shared/index.js';
import { templateInputSchema } from '../../shared/index.js';
import type { TemplateFields } from '../store/store.js';

const IF_MIB = '1.3.6.1.2.1.2.2.1';
const IF_X = '1.3.6.1.2.1.31.1.1.1';
const HR = '1.3.6.1.2.1.25';

export const BUILTIN_TEMPLATES: readonly TemplateInput[] = [
  {
    name: 'snmp-interfaces',
    description:
      'IF-MIB: per interface (named by ifName) traffic and errors as rates (64-bit counters), and operational status (1 up, 2 down)',
    datasources: [
      {
        name: 'interfaces',
        type: 'snmp',
        params: {
          table: {
            label: `${IF_X}.1`,
            columns: {
              ifHCInOctets: `${IF_X}.6`,
              ifHCOutOctets: `${IF_X}.10`,
              ifInErrors: `${IF_MIB}.14`,
              ifOutErrors: `${IF_MIB}.20`,
              ifOperStatus: `${IF_MIB}.8`,
            },
          },
        },
        datapoints: [
          { name: 'ifHCInOctets', type: 'counter' },
          { name: 'ifHCOutOctets', type: 'counter' },
          { name: 'ifInErrors', type: 'counter', threshold: { max: 1, severity: 3 } },
          { name: 'ifOutErrors', type: 'counter', threshold: { max: 1, severity: 3 } },
          { name: 'ifOperStatus', type: 'gauge' },
        ],
      },
    ],
  },
  {
    name: 'host-resources',
    description:
      'HOST-RESOURCES-MIB: storage (per hrStorageDescr: size and used, in allocation units), processor load per processor, uptime and processes',
    datasources: [
      {
        name: 'hr-system',
        type: 'snmp',
        params: { oids: { hrSystemUptime: `${HR}.1.1.0`, hrSystemProcesses: `${HR}.1.6.0` } },
        datapoints: [{ name: 'hrSystemUptime' }, { name: 'hrSystemProcesses' }],
      },
      {
        name: 'hr-storage',
        type: 'snmp',
        params: {
          table: {
            label: `${HR}.2.3.1.3`,
            columns: {
              hrStorageAllocationUnits: `${HR}.2.3.1.4`,
              hrStorageSize: `${HR}.2.3.1.5`,
              hrStorageUsed: `${HR}.2.3.1.6`,
            },
          },
        },
        datapoints: [
          { name: 'hrStorageAllocationUnits' },
          { name: 'hrStorageSize' },
          { name: 'hrStorageUsed' },
        ],
      },
      {
        name: 'hr-processors',
        type: 'snmp',
        params: { table: { columns: { hrProcessorLoad: `${HR}.3.3.1.2` } } },
        datapoints: [{ name: 'hrProcessorLoad', threshold: { max: 90, severity: 3 } }],
      },
    ],
  },
  {
    name: 'ping',
    description:
      'ICMP echo (fping): round trip (ms) and loss (%); a device that answers none is down and its other tasks pause',
    datasources: [
      {
        name: 'ping',
        type: 'ping',
        params: { count: 3 },
        datapoints: [
          { name: 'rtt', threshold: { max: 500, severity: 3 } },
          { name: 'rttMax' },
          { name: 'loss', threshold: { max: 50, severity: 4 } },
        ],
      },
    ],
  },
];

/** The shipped templates with their defaults filled in, as stored. */
export function builtinTemplates(): TemplateFields[] {
  return BUILTIN_TEMPLATES.map((t) => templateInputSchema.parse(t));
}
