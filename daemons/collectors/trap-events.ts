import snmp from 'net-snmp';
import type { DaemonEvent } from '../../shared/index.js';
import { textValue } from './snmp-session.js';
import { STANDARD_TRAPS, TRAPS, type TrapMapping } from './trap-mappings.js';

export { STANDARD_TRAPS, type TrapMapping };

const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
const IF_INDEX = '1.3.6.1.2.1.2.2.1.1.';
const IF_DESCR = '1.3.6.1.2.1.2.2.1.2.';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1.';

/** A received notification as net-snmp's receiver hands it over. */
export interface Notification {
  pdu: {
    type: number;
    varbinds: snmp.Varbind[];
    enterprise?: string;
    agentAddr?: string;
    generic?: number;
    specific?: number;
    community?: string;
    user?: string;
  };
  rinfo: { address: string; port: number };
}

/** The trap's OID: snmpTrapOID.0 (v2c/v3), or from a v1 trap's generic and specific numbers. */
export function trapOid(n: Notification): string | undefined {
  const { pdu } = n;
  if (pdu.type === snmp.PduType.Trap) {
    if (pdu.generic === undefined) return undefined;
    if (pdu.generic < 6) return `${TRAPS}.${pdu.generic + 1}`;
    return `${pdu.enterprise ?? '0'}.0.${pdu.specific ?? 0}`;
  }
  const vb = pdu.varbinds.find((v) => v.oid === SNMP_TRAP_OID);
  return typeof vb?.value === 'string' ? vb.value : undefined;
}

/** The interface a link trap is about: ifName or ifDescr when sent, else `if<ifIndex>`. */
function linkComponent(varbinds: snmp.Varbind[]): string | undefined {
  const text = (prefix: string) => {
    const vb = varbinds.find((v) => v.oid.startsWith(prefix));
    return vb === undefined ? undefined : textValue(vb);
  };
  const index =
    text(IF_INDEX) ?? varbinds.find((v) => v.oid.startsWith(IF_NAME))?.oid.slice(IF_NAME.length);
  return text(IF_NAME) ?? text(IF_DESCR) ?? (index === undefined ? undefined : `if${index}`);
}

const MAX_DETAIL = 2_000;

/**
 * The event for a notification from `device` (a device id, or the sender's address when no
 * device has it). Severity and summary come from `mappings` (the collector's
 * `zTrapMappings`, by OID) over the standard traps; an unknown trap is an info event naming
 * its OID. Link traps are per interface: linkUp clears the linkDown of the same interface.
 */
export function trapEvent(
  n: Notification,
  device: string,
  mappings: Readonly<Record<string, TrapMapping>>,
): DaemonEvent | undefined {
  const oid = trapOid(n);
  if (oid === undefined) return undefined;
  const m = mappings[oid] ?? STANDARD_TRAPS[oid];
  const name = m?.name ?? oid;
  const keyName = m?.clears ?? name;
  const isLink = keyName === 'linkDown';
  const component = isLink ? (linkComponent(n.pdu.varbinds) ?? '') : '';
  const summary = (m?.summary ?? (m ? `${name} from {device}` : `trap ${oid} from {device}`))
    .replaceAll('{device}', device)
    .replaceAll('{component}', component);
  const detail = n.pdu.varbinds
    .filter((v) => v.oid !== SNMP_TRAP_OID && !v.oid.startsWith('1.3.6.1.2.1.1.3'))
    .map((v) => `${v.oid}=${textValue(v) ?? String(v.value as unknown)}`)
    .join(' ')
    .slice(0, MAX_DETAIL);
  return {
    device,
    ...(component ? { component } : {}),
    eventClass: isLink ? '/Net/Link' : '/Trap',
    eventKey: `trap:${keyName}`,
    severity: m?.severity ?? 2,
    summary,
    ...(detail ? { message: detail } : {}),
    trapOid: oid,
    source: n.rinfo.address,
  };
}
