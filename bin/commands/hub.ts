import { Command, Option } from 'commander';
import { runHub } from '../../hub/main.js';
import { startLocalCollector } from './local-collector.js';
import { intOption } from './options.js';

export function hubCommand(): Command {
  return new Command('hub')
    .description('run a hub: daemons connect to ws://HOST:PORT/hub')
    .addOption(
      new Option('-p, --port <port>', 'port to listen on')
        .default(8789)
        .argParser(intOption('port', 0, 65535))
        .env('ZHUB_PORT'),
    )
    .addOption(
      new Option('--host <host>', 'address to listen on').default('0.0.0.0').env('ZHUB_HOST'),
    )
    .addOption(
      new Option('-d, --data <dir>', 'data directory (created on first start)')
        .default('./data')
        .env('ZHUB_DATA'),
    )
    .addOption(
      new Option('--users <file>', 'users file (default: <data>/hubpasswd.json)').env('ZHUB_USERS'),
    )
    .option('--services <dir...>', 'extra folders of service modules to load', [])
    .option('--monitor <name...>', 'monitors (collectors) this hub serves', ['localhost'])
    .option('--tracebacks', 'send error stacks to daemons (debugging only)', false)
    .option(
      '--local-collector',
      'also run a host collector in this process for a localhost device (npm start does)',
      false,
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .default('info')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
        .env('ZHUB_LOG_LEVEL'),
    )
    .action(
      async (o: {
        port: number;
        host: string;
        data: string;
        users?: string;
        services: string[];
        monitor: string[];
        tracebacks: boolean;
        logLevel: string;
        localCollector: boolean;
      }) => {
        const { zhub, wsUrl, log } = await runHub({
          port: o.port,
          host: o.host,
          dataDir: o.data,
          ...(o.users ? { usersFile: o.users } : {}),
          servicesDirs: o.services,
          monitors: o.monitor,
          tracebacks: o.tracebacks,
          logLevel: o.logLevel,
        });
        if (o.localCollector) {
          await startLocalCollector(zhub, wsUrl.replace('//0.0.0.0:', '//127.0.0.1:'), o.data, log);
        }
      },
    );
}
