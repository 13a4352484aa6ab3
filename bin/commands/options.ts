import { InvalidArgumentError, Option, type Command } from 'commander';

/** A commander parser for an integer option within [min, max]. */
export function intOption(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** The options every client command shares: where the hub is and who we are. */
export interface ClientFlags {
  hub: string;
  user: string;
  password?: string;
  monitor: string;
  embedded: boolean;
  timeout: number;
  ca?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
}

/** Where the hub is and who we are: shared by the client commands and `zhub daemon`. */
export function addHubOptions(
  cmd: Command,
  passwordHelp = 'hub password (prefer the ZHUB_PASSWORD variable)',
): Command {
  return cmd
    .addOption(
      new Option('--hub <url>', 'hub daemon endpoint; several, comma-separated, to fail over')
        .default('ws://127.0.0.1:8789/hub')
        .env('ZHUB_HUB'),
    )
    .addOption(new Option('-u, --user <name>', 'hub user').default('admin').env('ZHUB_USER'))
    .addOption(new Option('--password <password>', passwordHelp).env('ZHUB_PASSWORD'))
    .addOption(
      new Option('--ca <file>', 'CA certificate (PEM) to verify a wss:// hub with').env('ZHUB_CA'),
    )
    .addOption(
      new Option(
        '--tls-client-cert <file>',
        'client certificate (PEM) for a hub that asks (mTLS)',
      ).env('ZHUB_TLS_CLIENT_CERT'),
    )
    .addOption(
      new Option('--tls-client-key <file>', 'its private key (PEM)').env('ZHUB_TLS_CLIENT_KEY'),
    );
}

export function addClientOptions(cmd: Command): Command {
  return addHubOptions(cmd)
    .addOption(
      new Option('-m, --monitor <name>', 'monitor (collector) whose service to use').default(
        'localhost',
      ),
    )
    .option(
      '--embedded',
      'start a private hub in this process first (works with nothing running)',
      false,
    )
    .addOption(
      new Option('--timeout <ms>', 'deadline for connecting and for each call')
        .default(10_000)
        .argParser(intOption('timeout', 1, 3_600_000)),
    );
}

/** `key=value` pairs to an object; values that parse as JSON are taken as JSON. */
export function keyValues(pairs: string[] | undefined): Record<string, unknown> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i < 1) throw new Error(`--prop takes key=value, got '${p}'`);
    const raw = p.slice(i + 1);
    try {
      out[p.slice(0, i)] = JSON.parse(raw);
    } catch {
      out[p.slice(0, i)] = raw;
    }
  }
  return out;
}
