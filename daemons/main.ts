import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from '../shared/index.js';
import { createLogger, readConfigFile, ZHubError } from '../shared/index.js';
import { CollectorDaemon, type CollectorDaemonOptions } from './collector-daemon.js';
import type { Collector } from './collector.js';
import { loadCollectorModule } from './collector-module.js';
import { builtinCollectors } from './collectors/builtin.js';
import { TrapDaemon } from './trap-daemon.js';
import type { ClientTls } from './ws-connect.js';

export interface DaemonMainOptions {
  /**
   * Built-in collector types (port, http, host, snmp, ping; several as `ping,snmp`); with
   * `collectors`, the daemon's type name.
   */
  type?: string;
  /** Collector modules of one's own (paths or package names): `--collector`. */
  collectors?: string[];
  hub: string;
  user: string;
  password?: string;
  passwordFile?: string;
  monitor: string;
  name?: string;
  dataDir: string;
  maxConcurrent: number;
  spoolMax: number;
  spoolOverflow: 'block' | 'drop-oldest';
  batchSize: number;
  device?: string;
  /** `trap`: where to receive (default UDP 162 on every address). */
  trapPort?: number;
  trapAddress?: string;
  logLevel: string;
  /** PEM files: the CA to verify a `wss://` hub with, and a client certificate and key (mTLS). */
  ca?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
}

/** The client TLS material from files (`--ca`, `--tls-client-cert`, `--tls-client-key`). */
export async function clientTlsFiles(f: {
  ca?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
}): Promise<ClientTls | undefined> {
  if (!f.ca && !f.tlsClientCert && !f.tlsClientKey) return undefined;
  if (!f.tlsClientCert !== !f.tlsClientKey)
    throw new ZHubError('HUB_ERR_CONFIG', '--tls-client-cert and --tls-client-key go together');

  return {
    ...(f.ca ? { ca: await readConfigFile(f.ca, 'CA certificate (--ca)') } : {}),
    ...(f.tlsClientCert
      ? { cert: await readConfigFile(f.tlsClientCert, 'client certificate') }
      : {}),
    ...(f.tlsClientKey ? { key: await readConfigFile(f.tlsClientKey, 'client key') } : {}),
  };
}

/** The password from the flag, the environment (already merged by the caller) or a file. */
async function password(opts: DaemonMainOptions): Promise<string> {
  if (opts.password) return opts.password;
  if (opts.passwordFile) return (await readFile(opts.passwordFile, 'utf8')).trim();
  throw new ZHubError(
    'HUB_ERR_CONFIG',
    'no password: pass --password, set ZHUB_PASSWORD, or --password-file FILE',
  );
}

/** Builds a collector daemon of `type` from command-line options (not started). */
export async function buildDaemon(opts: DaemonMainOptions, log: Logger): Promise<CollectorDaemon> {
  if (opts.type === 'trap') {
    if (opts.collectors?.length)
      throw new ZHubError('HUB_ERR_CONFIG', 'the trap receiver takes no --collector');
    if (opts.device !== undefined)
      throw new ZHubError('HUB_ERR_CONFIG', 'the trap receiver has no run-once mode (--device)');
    return new TrapDaemon({
      ...(await daemonOptions(opts, log)),
      ...(opts.trapPort !== undefined ? { trapPort: opts.trapPort } : {}),
      ...(opts.trapAddress !== undefined ? { trapAddress: opts.trapAddress } : {}),
    });
  }
  const collectors: Collector[] = [];
  for (const spec of opts.collectors ?? []) collectors.push(...(await loadCollectorModule(spec)));
  // `ping,snmp`: several built-in collectors in one daemon (ping-down then pauses the others).
  const types = opts.type?.split(',').filter((t) => t !== '') ?? [];
  const builtins = types.every((t) => builtinCollectors[t] !== undefined);
  if (collectors.length === 0 || (types.length > 0 && builtins)) {
    if (types.length === 0 || !builtins) {
      const known = Object.keys(builtinCollectors).join(', ');
      const unknown = types.filter((t) => builtinCollectors[t] === undefined).join(', ');
      throw new ZHubError(
        'HUB_ERR_CONFIG',
        types.length === 0
          ? `give a collector type (${known}, or several: ping,snmp) or --collector ./my-collector.js`
          : `unknown collector type '${unknown}' (known: ${known}; or --collector ./my-collector.js for one of your own)`,
      );
    }
    collectors.unshift(...types.map((t) => (builtinCollectors[t] as () => Collector)()));
  }
  return new CollectorDaemon({
    ...(await daemonOptions(opts, log)),
    ...(types.length > 0 ? { type: types.join('-') } : {}),
    collectors,
  });
}

/** What every daemon takes from the command line: the hub, credentials, spool, TLS. */
async function daemonOptions(
  opts: DaemonMainOptions,
  log: Logger,
): Promise<Omit<CollectorDaemonOptions, 'collectors'>> {
  const tls = await clientTlsFiles(opts);
  return {
    ...(tls ? { tls } : {}),
    url: opts.hub,
    username: opts.user,
    password: await password(opts),
    monitor: opts.monitor,
    ...(opts.name ? { name: opts.name } : {}),
    dataDir: resolve(opts.dataDir),
    maxConcurrent: opts.maxConcurrent,
    spool: { maxEntries: opts.spoolMax, overflow: opts.spoolOverflow },
    sender: { batchSize: opts.batchSize },
    logger: log,
  };
}

/**
 * `zhub daemon TYPE`: collects until SIGTERM/SIGINT (then flushes what it can for up to 5 s),
 * or with `--device ID` runs that device's tasks once and exits 0 if everything worked.
 */
export async function runDaemon(opts: DaemonMainOptions): Promise<void> {
  const log = createLogger({ level: opts.logLevel, pretty: process.stdout.isTTY });
  const daemon = await buildDaemon(opts, log);
  if (opts.device !== undefined) {
    let ok = false;
    try {
      ok = await daemon.runOnce(opts.device);
    } catch (err) {
      log.error({ err }, 'run-once failed');
    }
    await daemon.stop();
    console.log(
      ok
        ? `device ${opts.device}: collected and delivered`
        : `device ${opts.device}: FAILED (see the log)`,
    );
    process.exit(ok ? 0 : 1);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'stopping: flushing the spool for up to 5 s (the rest stays spooled)');
    daemon
      .drain(5_000)
      .then(() => daemon.stop())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  daemon.onShutdown(() => stop('hub request'));
  daemon.client.on('fatal', (err) => {
    log.fatal({ err }, 'giving up');
    void daemon.stop().then(() => process.exit(2));
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await daemon.startCollecting();
}
