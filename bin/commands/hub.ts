import cluster from 'node:cluster';
import { Command, Option } from 'commander';
import type { HubConfig } from '../../hub/config.js';
import { intOption } from './options.js';

// The hub, its store and its native SQLite module load only when a command runs: `zhub --help`
// and the client commands never load them.

/** The hub's flags. No defaults here: the configuration schema holds them, so that a flag
 * overrides the file and the environment only when it is given. */
function hubOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--config <file>', 'JSON configuration file (keys as in `zhub config print`)').env(
        'ZHUB_CONFIG',
      ),
    )
    .option('-p, --port <port>', 'port to listen on (8789)', intOption('port', 0, 65535))
    .option('--host <host>', 'address to listen on (127.0.0.1; 0.0.0.0 for other hosts, with TLS)')
    .option('-d, --data <dir>', 'data directory, created on first start (./data)')
    .option(
      '--store <url>',
      'postgres://user@host/db: a store shared by several hubs (default: SQLite in --data)',
    )
    .option(
      '--workers <n>',
      'hub processes sharing the port (needs --store postgres://…)',
      intOption('workers', 1, 64),
    )
    .option('--users <file>', 'users file (<data>/hubpasswd.json)')
    .option('--services <dir...>', 'extra folders of service modules to load')
    .option('--watch', 'reload a changed service module without restarting the hub')
    .option('--tls-cert <file>', "the hub's certificate (PEM): serve HTTPS and WSS")
    .option('--tls-key <file>', 'its private key (PEM)')
    .option('--tls-client-ca <file>', 'a CA whose client certificates daemons may present (mTLS)')
    .option('--tls-require-client-cert', 'with --tls-client-ca: refuse daemons without one')
    .option(
      '--trust-proxy [addresses]',
      'behind a TLS proxy: trust it (or these addresses) for client addresses and https',
    )
    .option('--monitors <name...>', 'monitors (collectors) to create if missing (localhost)')
    .option('--tracebacks', 'send error stacks to daemons (debugging only)')
    .option(
      '--local-collector',
      'also run a host collector in this process for a localhost device (npm start does)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level (info)').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
      ]),
    );
}

/** defaults ← --config file ← ZHUB_* environment ← flags given on the command line. */
async function resolveConfig(cmd: Command): Promise<HubConfig> {
  const o = cmd.opts<Record<string, unknown>>();
  const flags: Record<string, unknown> = {};
  for (const key of [
    'port',
    'host',
    'data',
    'store',
    'workers',
    'users',
    'services',
    'watch',
    'tlsCert',
    'tlsKey',
    'tlsClientCa',
    'tlsRequireClientCert',
    'trustProxy',
    'monitors',
    'tracebacks',
    'localCollector',
    'logLevel',
  ]) {
    if (cmd.getOptionValueSource(key) === 'cli') flags[key] = o[key];
  }
  const { loadHubConfig } = await import('../../hub/config.js');
  return loadHubConfig({
    ...(typeof o.config === 'string' ? { file: o.config } : {}),
    env: process.env,
    flags,
  });
}

export function hubCommand(): Command {
  const hub = hubOptions(
    new Command('hub').description('run a hub: daemons connect to ws://HOST:PORT/hub'),
  );
  return hub.action(async () => {
    const config = await resolveConfig(hub);
    const { runHub, runHubWorkers } = await import('./run-hub.js');
    if (config.workers > 1 && cluster.isPrimary) {
      await runHubWorkers(config);
      return;
    }
    const { zhub, wsUrl, log } = await runHub(config);
    // With workers, the first runs the local collector.
    if (config.localCollector && (cluster.isPrimary || cluster.worker?.id === 1)) {
      const { startLocalCollector } = await import('./local-collector.js');
      await startLocalCollector(
        zhub,
        wsUrl.replace('//0.0.0.0:', '//127.0.0.1:'),
        config.data,
        log,
      );
    }
  });
}

export function configCommand(): Command {
  const config = new Command('config').description('the hub configuration');
  const print = hubOptions(
    new Command('print').description('print the effective configuration (secrets hidden)'),
  );
  config.addCommand(
    print.action(async () => {
      const { redactConfig } = await import('../../hub/config.js');
      console.log(JSON.stringify(redactConfig(await resolveConfig(print)), null, 2));
    }),
  );
  return config;
}
