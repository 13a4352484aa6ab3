import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One HTTP(S) request with a deadline; an `https:` URL is verified against `ca` (else the system's CAs). */
export async function httpCall(
  url: string,
  opts: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    timeoutMs: number;
    ca?: string;
    cert?: string;
    key?: string;
  },
): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const tls = secure
    ? {
        ...(opts.ca ? { ca: await readFile(opts.ca, 'utf8') } : {}),
        ...(opts.cert ? { cert: await readFile(opts.cert, 'utf8') } : {}),
        ...(opts.key ? { key: await readFile(opts.key, 'utf8') } : {}),
        rejectUnauthorized: true,
      }
    : {};
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      u,
      { method: opts.method, headers: opts.headers, timeout: opts.timeoutMs, ...tls },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
