import type snmp from 'net-snmp';
import type { CollectContext, CollectedValue, CollectResult, Collector } from '../collector.js';
import { numericValue, openSession, snmpTarget, textValue } from './snmp-session.js';

/** What an `snmp` datasource asks for (its `params`). */
interface SnmpParams {
  /** Scalars: datapoint → OID (GET). */
  oids?: Record<string, string>;
  /** A table: one series per row, labelled by the `label` column (else the row index). */
  table?: { label?: string; columns: Record<string, string> };
  /** GETBULK repetitions per request when walking a table (default 20). */
  maxRepetitions?: number;
  /** Severity of the "does not answer" event (default 4). */
  severity?: number;
}

const OID = /^\.?\d+(\.\d+)+$/;

function paramsOf(name: string, raw: Record<string, unknown>): SnmpParams {
  const p = raw as SnmpParams;
  const check = (what: string, m: unknown): Record<string, string> => {
    if (m === undefined) return {};
    if (m === null || typeof m !== 'object' || Array.isArray(m))
      throw new Error(`datasource ${name}: params.${what} must map datapoints to OIDs`);
    for (const [dp, oid] of Object.entries(m))
      if (typeof oid !== 'string' || !OID.test(oid))
        throw new Error(`datasource ${name}: params.${what}.${dp} is not an OID`);
    return m as Record<string, string>;
  };
  check('oids', p.oids);
  if (p.table !== undefined) {
    check('table.columns', p.table.columns);
    if (p.table.label !== undefined && !OID.test(p.table.label))
      throw new Error(`datasource ${name}: params.table.label is not an OID`);
  }
  if (p.oids === undefined && p.table === undefined)
    throw new Error(`datasource ${name}: give params.oids (scalars) or params.table (a table)`);
  return p;
}

const strip = (oid: string): string => oid.replace(/^\./, '');

function get(session: snmp.Session, oids: string[]): Promise<snmp.Varbind[]> {
  return new Promise((resolve, reject) =>
    session.get(oids, (err, varbinds) => (err ? reject(err) : resolve(varbinds ?? []))),
  );
}

/** Every varbind under `oid` (GETBULK walks; GETNEXT for v1). */
function walk(session: snmp.Session, oid: string, maxRepetitions: number): Promise<snmp.Varbind[]> {
  const out: snmp.Varbind[] = [];
  return new Promise((resolve, reject) =>
    session.subtree(
      oid,
      maxRepetitions,
      (varbinds) => {
        out.push(...varbinds);
      },
      (err) => (err ? reject(err) : resolve(out)),
    ),
  );
}

/**
 * `snmp` (zenperfsnmp's part): GETs a datasource's scalar OIDs and walks its table columns
 * with GETBULK, over SNMP v1, v2c or v3 (authNoPriv, authPriv) with the device's own
 * credentials (see snmpTarget). Counter32 and Counter64 values carry their width, so their
 * rates survive a wrap; a table gives one series per row, its component the row's label
 * (ifName, hrStorageDescr) or index. A device that does not answer raises one event
 * (`/Status/Snmp`), cleared when it answers again.
 */
export class SnmpCollector implements Collector {
  readonly type = 'snmp';

  async collect({ device, datasource, signal }: CollectContext): Promise<CollectResult> {
    const params = paramsOf(datasource.name, datasource.params);
    const target = snmpTarget(device);
    const session = openSession(target);
    session.on('error', () => undefined); // a socket error fails the requests in flight
    const onAbort = (): void => {
      session.close();
    };
    signal.addEventListener('abort', onAbort);
    const event = {
      device: device.id,
      component: 'snmp',
      eventClass: '/Status/Snmp',
      eventKey: 'snmp',
    };
    try {
      const values: CollectedValue[] = [];
      const scalars = Object.entries(params.oids ?? {});
      if (scalars.length > 0) {
        const varbinds = await get(
          session,
          scalars.map(([, oid]) => strip(oid)),
        );
        scalars.forEach(([datapoint], i) => {
          const vb = varbinds[i];
          const n = vb === undefined ? undefined : numericValue(vb);
          if (n !== undefined) values.push({ datapoint, ...n });
        });
      }
      if (params.table !== undefined) values.push(...(await this.table(session, params)));
      return {
        values,
        events: [{ ...event, severity: 0, summary: `SNMP agent at ${target.host} answers` }],
      };
    } catch (err) {
      if (signal.aborted) throw err;
      const severity = typeof params.severity === 'number' ? params.severity : 4;
      return {
        values: [],
        events: [
          {
            ...event,
            severity,
            summary: `SNMP agent at ${target.host}:${target.port} does not answer (${target.version}): ${(err as Error).message}`,
          },
        ],
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
      session.close();
    }
  }

  private async table(session: snmp.Session, p: SnmpParams): Promise<CollectedValue[]> {
    const table = p.table as NonNullable<SnmpParams['table']>;
    const reps = typeof p.maxRepetitions === 'number' ? p.maxRepetitions : 20;
    const labels = new Map<string, string>();
    if (table.label !== undefined) {
      const base = strip(table.label);
      for (const vb of await walk(session, base, reps)) {
        const text = textValue(vb);
        if (text !== undefined) labels.set(vb.oid.slice(base.length + 1), text);
      }
    }
    const values: CollectedValue[] = [];
    for (const [datapoint, oid] of Object.entries(table.columns)) {
      const base = strip(oid);
      for (const vb of await walk(session, base, reps)) {
        const n = numericValue(vb);
        if (n === undefined) continue;
        const index = vb.oid.slice(base.length + 1);
        values.push({ datapoint, component: labels.get(index) ?? index, ...n });
      }
    }
    return values;
  }
}
