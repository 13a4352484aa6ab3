import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ZHUB_BIN = fileURLToPath(new URL('../../bin/zhub.js', import.meta.url));

/** Runs `zhub ...args` to completion; never longer than `timeoutMs`. */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ZHUB_BIN, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`zhub ${args.join(' ')} did not finish: ${stdout}${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `zhub hub` on 127.0.0.1:0 and waits until it listens; returns its URL and output so
 * far. `launch` runs node under another command (e.g. `taskset -c 0`); `node` gives node its
 * own options.
 */
export function startCliHub(
  args: string[],
  opts: { launch?: string[]; node?: string[] } = {},
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const argv = [ZHUB_BIN, 'hub', '--port', '0', '--host', '127.0.0.1', ...args];
    const [cmd, ...pre] = [...(opts.launch ?? []), process.execPath];
    const child = spawn(cmd, [...pre, ...(opts.node ?? []), ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub did not start: ${out}`));
    }, 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      // The hub's last start-up line, after the one-time password (if any) was printed.
      const m =
        /"url":"(wss?:\/\/(?:127\.0\.0\.1|0\.0\.0\.0):\d+\/hub)"[^\n]*zhub hub listening/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code}: ${out}`));
    });
  });
}

/** Stops a hub started by startCliHub (SIGTERM: a clean shutdown) and waits for it to exit. */
export async function stopCliHub(hub: { child: ChildProcess }): Promise<void> {
  if (hub.child.exitCode !== null || hub.child.signalCode !== null) return;
  const exited = new Promise((r) => hub.child.once('exit', r));
  hub.child.kill('SIGTERM');
  await exited;
}

/** The HTTP API of a hub started by startCliHub, as the admin whose password it printed. */
export function adminApi(
  hub: { url: string },
  password: string,
): <T = unknown>(method: string, path: string, body?: unknown) => Promise<T> {
  const base = hub.url.replace(/^ws/, 'http').replace(/\/hub$/, '');
  const authorization = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as T;
  };
}

/**
 * `zhub daemon TYPE --device ID` (run-once: collect that device, deliver, exit) with its own
 * data folder, quiet but for warnings; answers what runCli does.
 */
export function runDaemonOnce(
  zhub: (...args: string[]) => ReturnType<typeof runCli>,
  type: string,
  device: string,
  dataDir: string,
): ReturnType<typeof runCli> {
  return zhub('daemon', type, '--device', device, '--data', dataDir, '--log-level', 'warn');
}
