import snmp from 'net-snmp';
import type { DeviceConfig } from '../collector.js';

/** A device's SNMP settings, from its (zProperties-style) properties. */
export interface SnmpTarget {
  host: string;
  port: number;
  version: 'v1' | 'v2c' | 'v3';
  community: string;
  /** SNMPv3 user, with authentication and privacy when their passwords are set. */
  user: snmp.User | undefined;
  timeoutMs: number;
  retries: number;
}

export const AUTH: Record<string, snmp.AuthProtocols> = {
  MD5: snmp.AuthProtocols.md5,
  SHA: snmp.AuthProtocols.sha,
  'SHA-224': snmp.AuthProtocols.sha224,
  'SHA-256': snmp.AuthProtocols.sha256,
  'SHA-384': snmp.AuthProtocols.sha384,
  'SHA-512': snmp.AuthProtocols.sha512,
};
export const PRIV: Record<string, snmp.PrivProtocols> = {
  DES: snmp.PrivProtocols.des,
  AES: snmp.PrivProtocols.aes,
  'AES-256': snmp.PrivProtocols.aes256b,
  'AES-256-C': snmp.PrivProtocols.aes256r,
};

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;
const num = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;

/**
 * The SNMP target of `device`: Zenoss's property names, so an imported device keeps its
 * settings. `zSnmpVer` (`v1`, `v2c` default, `v3`), `zSnmpCommunity` (`public`),
 * `zSnmpPort` (161), `zSnmpTimeout` (seconds, 2.5), `zSnmpTries` (2); for v3
 * `zSnmpSecurityName`, `zSnmpAuthType` (`MD5`, `SHA`, `SHA-256`…) with `zSnmpAuthPassword`,
 * `zSnmpPrivType` (`DES`, `AES`, `AES-256`) with `zSnmpPrivPassword`. Throws on a setting
 * that cannot work, naming it (never its value: these are secrets).
 */
export function snmpTarget(device: DeviceConfig): SnmpTarget {
  const p = device.properties;
  const version = str(p.zSnmpVer) ?? 'v2c';
  if (version !== 'v1' && version !== 'v2c' && version !== 'v3')
    throw new Error(`device ${device.id}: zSnmpVer must be v1, v2c or v3`);
  let user: snmp.User | undefined;
  if (version === 'v3') {
    const name = str(p.zSnmpSecurityName);
    if (name === undefined)
      throw new Error(`device ${device.id}: zSnmpVer v3 needs zSnmpSecurityName`);
    const authKey = str(p.zSnmpAuthPassword);
    const privKey = str(p.zSnmpPrivPassword);
    const authProtocol = AUTH[str(p.zSnmpAuthType) ?? 'SHA'];
    const privProtocol = PRIV[str(p.zSnmpPrivType) ?? 'AES'];
    if (authKey !== undefined && authProtocol === undefined)
      throw new Error(
        `device ${device.id}: zSnmpAuthType is not one of ${Object.keys(AUTH).join(', ')}`,
      );
    if (privKey !== undefined && privProtocol === undefined)
      throw new Error(
        `device ${device.id}: zSnmpPrivType is not one of ${Object.keys(PRIV).join(', ')}`,
      );
    if (privKey !== undefined && authKey === undefined)
      throw new Error(`device ${device.id}: zSnmpPrivPassword needs zSnmpAuthPassword (authPriv)`);
    user =
      authKey === undefined
        ? { name, level: snmp.SecurityLevel.noAuthNoPriv }
        : privKey === undefined
          ? { name, level: snmp.SecurityLevel.authNoPriv, authProtocol, authKey }
          : {
              name,
              level: snmp.SecurityLevel.authPriv,
              authProtocol,
              authKey,
              privProtocol,
              privKey,
            };
  }
  return {
    host: device.address,
    port: num(p.zSnmpPort, 161),
    version,
    community: str(p.zSnmpCommunity) ?? 'public',
    user,
    timeoutMs: Math.round(num(p.zSnmpTimeout, 2.5) * 1000),
    retries: Math.max(0, Math.round(num(p.zSnmpTries, 2)) - 1),
  };
}

/** A session for `t` (one UDP socket); close it when done. */
export function openSession(t: SnmpTarget): snmp.Session {
  const options = {
    port: t.port,
    timeout: t.timeoutMs,
    retries: t.retries,
    transport: 'udp4' as const,
  };
  if (t.version === 'v3' && t.user !== undefined)
    return snmp.createV3Session(t.host, t.user, { ...options, version: snmp.Version3 });
  return snmp.createSession(t.host, t.community, {
    ...options,
    version: t.version === 'v1' ? snmp.Version1 : snmp.Version2c,
  });
}

/** A varbind's value as a number, with the counter width for wrap-aware rates; else undefined. */
export function numericValue(
  vb: snmp.Varbind,
): { value: number; counterBits?: 32 | 64 } | undefined {
  if (snmp.isVarbindError(vb)) return undefined;
  const v: unknown = vb.value;
  switch (vb.type) {
    case snmp.ObjectType.Counter32:
      return { value: Number(v), counterBits: 32 };
    case snmp.ObjectType.Counter64:
      // Eight big-endian bytes; above 2^53 the rate loses precision, never its sign.
      return { value: Buffer.isBuffer(v) ? bufferToNumber(v) : Number(v), counterBits: 64 };
    case snmp.ObjectType.Integer:
    case snmp.ObjectType.Gauge32:
    case snmp.ObjectType.TimeTicks:
      return { value: Number(v) };
    case snmp.ObjectType.OctetString: {
      // Many agents report numbers as strings (UCD-SNMP's laLoad).
      const n = Number(Buffer.isBuffer(v) ? v.toString() : v);
      return Number.isFinite(n) ? { value: n } : undefined;
    }
    default:
      return undefined;
  }
}

function bufferToNumber(b: Buffer): number {
  let n = 0;
  for (const byte of b) n = n * 256 + byte;
  return n;
}

/** Text of a varbind (a table's label column: ifName, hrStorageDescr). */
export function textValue(vb: snmp.Varbind): string | undefined {
  if (snmp.isVarbindError(vb)) return undefined;
  const v: unknown = vb.value;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}
