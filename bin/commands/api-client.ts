import { ZHubError } from '../../shared/index.js';
import { httpCall } from './http-request.js';
import type { ClientFlags } from './options.js';

/** The hub's HTTP base URL from its daemon endpoint: ws://host:port/hub → http://host:port. */
export function apiBase(hubUrl: string): string {
  const u = new URL(hubUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}

/** Calls the hub's HTTP API with the command's credentials; API errors become ZHubErrors. */
export async function api<T = unknown>(
  flags: ClientFlags,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  if (flags.password === undefined)
    throw new ZHubError('HUB_ERR_CONFIG', 'no password: pass --password or set ZHUB_PASSWORD');
  const res = await httpCall(`${apiBase(flags.hub)}/api${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${flags.user}:${flags.password}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    timeoutMs: flags.timeout,
    ...(flags.ca ? { ca: flags.ca } : {}),
    ...(flags.tlsClientCert ? { cert: flags.tlsClientCert } : {}),
    ...(flags.tlsClientKey ? { key: flags.tlsClientKey } : {}),
  }).catch((err: unknown) => {
    throw new ZHubError(
      'HUB_ERR_NOT_CONNECTED',
      `cannot reach the hub at ${apiBase(flags.hub)}: ${(err as Error).message}`,
    );
  });
  const text = res.text;
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (res.status < 200 || res.status >= 300) {
    const e = (json as { error?: { code?: string; message?: string; data?: unknown } } | undefined)
      ?.error;
    throw new ZHubError(e?.code ?? 'HUB_ERR_REMOTE', e?.message ?? `HTTP ${res.status}`, {
      data: e?.data,
    });
  }
  return json as T;
}

/** Prints rows as an aligned text table. */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  const show = (v: unknown): string => {
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') return v;
    return JSON.stringify(v);
  };
  const cells = rows.map((r) => columns.map((c) => show(r[c])));
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...cells.map((row) => (row[i] as string).length)),
  );
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((c) => c.toUpperCase())));
  for (const row of cells) console.log(line(row));
}
