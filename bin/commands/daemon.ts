import { Command, Option } from 'commander';
import { addHubOptions, intOption } from './options.js';

export function daemonCommand(): Command {
  const cmd = new Command('daemon')
    .description(
      'run a collector daemon: port (TCP connect), http (GET a URL), host (this machine), snmp, ping, trap (receive SNMP traps), several at once (ping,snmp), or your own (--collector)',
    )
    .argument(
      '[type]',
      'collector type: port, http, host, snmp, ping or trap; several as ping,snmp (with --collector: the daemon type)',
    );
  return addHubOptions(cmd, 'hub password (prefer ZHUB_PASSWORD or --password-file)')
    .option('--password-file <file>', 'read the password from this file')
    .option(
      '--collector <module...>',
      'a collector module of your own (a path such as ./my-collector.js, or a package name)',
    )
    .addOption(
      new Option('-m, --monitor <name>', 'the monitor (collector) whose devices to poll')
        .default('localhost')
        .env('ZHUB_MONITOR'),
    )
    .option(
      '--name <name>',
      "this daemon's unique name (default <type>@<host>); the hub tracks delivery by it",
    )
    .addOption(
      new Option(
        '-d, --data <dir>',
        'spool and config cache folder (default ./data/daemon-<type>)',
      ).env('ZHUB_DAEMON_DATA'),
    )
    .option(
      '--max-concurrent <n>',
      'tasks running at once',
      intOption('max-concurrent', 1, 100_000),
      500,
    )
    .option(
      '--spool-max <n>',
      'items the spool holds at most',
      intOption('spool-max', 1000, 1_000_000_000),
      5_000_000,
    )
    .addOption(
      new Option('--spool-overflow <policy>', 'when the spool is full')
        .choices(['drop-oldest', 'block'])
        .default('drop-oldest'),
    )
    .option(
      '--batch-size <n>',
      'items per batch sent to the hub',
      intOption('batch-size', 1, 10_000),
      1_000,
    )
    .option(
      '--trap-port <port>',
      'trap: the UDP port to receive traps on (162 needs privileges)',
      intOption('trap-port', 1, 65535),
      162,
    )
    .option('--trap-address <address>', 'trap: the address to receive on (default: all)')
    .option(
      '--device <id>',
      'run-once mode: collect this device once, deliver, exit 0 if it worked',
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .default('info')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
    )
    .action(async (type: string | undefined, o: Record<string, unknown>) => {
      const { runDaemon } = await import('../../daemons/main.js');
      const collectors = (o.collector as string[] | undefined) ?? [];
      const dirName = type?.split(',').join('-') ?? 'custom';
      await runDaemon({
        ...(type !== undefined ? { type } : {}),
        ...(collectors.length ? { collectors } : {}),
        hub: o.hub as string,
        user: o.user as string,
        ...(o.password ? { password: o.password as string } : {}),
        ...(o.passwordFile ? { passwordFile: o.passwordFile as string } : {}),
        monitor: o.monitor as string,
        ...(o.name ? { name: o.name as string } : {}),
        dataDir: (o.data as string | undefined) ?? `./data/daemon-${dirName}`,
        maxConcurrent: o.maxConcurrent as number,
        spoolMax: o.spoolMax as number,
        spoolOverflow: o.spoolOverflow as 'block' | 'drop-oldest',
        batchSize: o.batchSize as number,
        ...(o.device ? { device: o.device as string } : {}),
        trapPort: o.trapPort as number,
        ...(o.trapAddress ? { trapAddress: o.trapAddress as string } : {}),
        logLevel: o.logLevel as string,
        ...(o.ca ? { ca: o.ca as string } : {}),
        ...(o.tlsClientCert ? { tlsClientCert: o.tlsClientCert as string } : {}),
        ...(o.tlsClientKey ? { tlsClientKey: o.tlsClientKey as string } : {}),
      });
    });
}
