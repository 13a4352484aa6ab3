// How traps become events: names and severities by trap OID. No SNMP library is needed to
// read it (it is part of zhub's public types).

/** How one trap OID becomes an event: its name, severity and summary (`{device}`, `{component}`). */
export interface TrapMapping {
  name: string;
  severity: number;
  summary?: string;
  /** This trap clears the events of the trap named here (linkUp clears linkDown). */
  clears?: string;
}

/** The standard traps' OIDs: `${TRAPS}.1` coldStart … `${TRAPS}.6` egpNeighborLoss. */
export const TRAPS = '1.3.6.1.6.3.1.1.5';

/** The standard traps (RFC 3418's SNMPv2-MIB and IF-MIB), as Zenoss's zentrap names them. */
export const STANDARD_TRAPS: Readonly<Record<string, TrapMapping>> = {
  [`${TRAPS}.1`]: { name: 'coldStart', severity: 3, summary: '{device} restarted (coldStart)' },
  [`${TRAPS}.2`]: { name: 'warmStart', severity: 3, summary: '{device} restarted (warmStart)' },
  [`${TRAPS}.3`]: { name: 'linkDown', severity: 4, summary: 'link {component} is down' },
  [`${TRAPS}.4`]: {
    name: 'linkUp',
    severity: 0,
    summary: 'link {component} is up',
    clears: 'linkDown',
  },
  [`${TRAPS}.5`]: {
    name: 'authenticationFailure',
    severity: 3,
    summary: '{device}: SNMP authentication failure',
  },
  [`${TRAPS}.6`]: { name: 'egpNeighborLoss', severity: 3 },
};
