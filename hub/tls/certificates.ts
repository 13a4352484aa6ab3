// A private certificate authority for a quick start (`zhub cert init`) and for tests: ECDSA
// P-256 keys from Node's WebCrypto, certificates by @peculiar/x509 (which needs a Reflect
// polyfill, loaded here before it).
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

type KeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** A certificate and its private key, PEM-encoded. */
export interface PemPair {
  cert: string;
  key: string;
}

/** A CA: its certificate and key, PEM-encoded (keep the key offline). */
export type CertAuthority = PemPair;

/** What a CA made in this process signs with (kept out of the public type). */
const signers = new WeakMap<CertAuthority, { keys: KeyPair; cert: x509.X509Certificate }>();

function signerOf(ca: CertAuthority): { keys: KeyPair; cert: x509.X509Certificate } {
  const s = signers.get(ca);
  if (s === undefined) throw new Error('this CA was not made by makeCertAuthority in this process');
  return s;
}

async function keyPair(): Promise<KeyPair> {
  return await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function serial(): string {
  // Positive, 16 random bytes (RFC 5280 allows up to 20).
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0] as number) & 0x7f;
  return Buffer.from(b).toString('hex');
}

/** Makes a CA valid for `days` (default 10 years). */
export async function makeCertAuthority(
  name = 'zhub private CA',
  days = 3650,
): Promise<CertAuthority> {
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const ca: CertAuthority = { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
  signers.set(ca, { keys, cert });
  return ca;
}

async function issue(
  ca: CertAuthority,
  subject: string,
  usage: string,
  extra: x509.Extension[],
  days: number,
): Promise<PemPair> {
  const signer = signerOf(ca);
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: signer.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * DAY_MS),
    signingKey: signer.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.AuthorityKeyIdentifierExtension.create(signer.keys.publicKey),
      ...extra,
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** A hub (server) certificate for `hosts` (names and IP addresses), valid for `days` (default 825). */
export function makeServerCertificate(
  ca: CertAuthority,
  hosts: string[],
  days = 825,
): Promise<PemPair> {
  if (hosts.length === 0)
    throw new Error('a server certificate needs at least one host name or address');
  const names = hosts.map((h) =>
    isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
  );
  return issue(
    ca,
    `CN=${hosts[0]}`,
    SERVER_AUTH,
    [new x509.SubjectAlternativeNameExtension(names)],
    days,
  );
}

/** A client certificate (a collector's second factor, mTLS) for `name`. */
export function makeClientCertificate(
  ca: CertAuthority,
  name: string,
  days = 825,
): Promise<PemPair> {
  return issue(ca, `CN=${name}`, CLIENT_AUTH, [], days);
}
