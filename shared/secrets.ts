/**
 * Properties that hold credentials (SNMP communities and v3 passwords, API tokens): shown
 * to admins only, never written to logs or the audit log. Matched by name, as Zenoss marks
 * its password zProperties.
 */
const SECRET_KEY = /password|passphrase|communit(?:y|ies)|secret|token|privkey|authkey/i;

export const REDACTED = '********';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A copy of `value` with every secret property's value replaced by {@link REDACTED}, at any
 * depth (a device's `properties`, a list of devices, an import body). Non-objects as they are.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => redactSecrets(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] =
      isSecretKey(k) && v !== null && v !== undefined && v !== ''
        ? REDACTED
        : redactSecrets(v, depth + 1);
  return out as T;
}
