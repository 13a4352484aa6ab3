// The certificate helpers as hub/index exports them, loaded on first use: @peculiar/x509 and
// its Reflect polyfill would otherwise cost every hub process memory for a quick-start tool.
import type { CertAuthority, PemPair } from './certificates.js';

export type { CertAuthority, PemPair };

const load = () => import('./certificates.js');

/** Makes a CA valid for `days` (default 10 years). */
export async function makeCertAuthority(name?: string, days?: number): Promise<CertAuthority> {
  return (await load()).makeCertAuthority(name, days);
}

/** A hub (server) certificate for `hosts` (names and IP addresses), valid for `days` (default 825). */
export async function makeServerCertificate(
  ca: CertAuthority,
  hosts: string[],
  days?: number,
): Promise<PemPair> {
  return (await load()).makeServerCertificate(ca, hosts, days);
}

/** A client certificate (a collector's second factor, mTLS) for `name`. */
export async function makeClientCertificate(
  ca: CertAuthority,
  name: string,
  days?: number,
): Promise<PemPair> {
  return (await load()).makeClientCertificate(ca, name, days);
}
