import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';

export function certCommand(): Command {
  const cert = new Command('cert').description(
    'certificates for TLS between the hub and its daemons',
  );
  cert.addCommand(
    new Command('init')
      .description(
        'make a private CA and a hub certificate (and, with --client, client certificates for collectors)',
      )
      .addOption(new Option('--dir <dir>', 'where to write them').default('./data/tls'))
      .option(
        '--host <name...>',
        "the hub's names and addresses the certificate is for (default: this host's name, localhost, 127.0.0.1)",
      )
      .option('--client <name...>', 'also make a client certificate for each collector name (mTLS)')
      .option('--force', 'replace existing files')
      .action(async (o: { dir: string; host?: string[]; client?: string[]; force?: boolean }) => {
        const { makeCertAuthority, makeClientCertificate, makeServerCertificate } =
          await import('../../hub/index.js');
        const dir = resolve(o.dir);
        if (existsSync(join(dir, 'ca.pem')) && !o.force)
          throw new Error(
            `${dir} already holds a CA (ca.pem): give --force to replace it, or another --dir`,
          );
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const hosts = o.host ?? [hostname(), 'localhost', '127.0.0.1'];
        const ca = await makeCertAuthority(`zhub CA (${hostname()})`);
        const hub = await makeServerCertificate(ca, hosts);
        const write = async (name: string, text: string, secret: boolean): Promise<void> => {
          const path = join(dir, name);
          await writeFile(path, text, { mode: secret ? 0o600 : 0o644 });
          await chmod(path, secret ? 0o600 : 0o644);
        };
        await write('ca.pem', ca.cert, false);
        await write('ca-key.pem', ca.key, true);
        await write('hub.pem', hub.cert, false);
        await write('hub-key.pem', hub.key, true);
        for (const name of o.client ?? []) {
          const c = await makeClientCertificate(ca, name);
          await write(`${name}.pem`, c.cert, false);
          await write(`${name}-key.pem`, c.key, true);
        }
        console.log(`wrote ${dir}: ca.pem, hub.pem, hub-key.pem (and ca-key.pem: keep it offline)`);
        console.log(`the hub certificate is for: ${hosts.join(', ')}`);
        console.log(
          `\nstart the hub:\n  zhub hub --host 0.0.0.0 --tls-cert ${join(dir, 'hub.pem')} --tls-key ${join(dir, 'hub-key.pem')}` +
            `\n\nhand ca.pem (only ca.pem) to each collector host, and connect with wss://:` +
            `\n  ZHUB_CA=/etc/zhub/ca.pem zhub daemon port --hub wss://${hosts[0]}:8789/hub` +
            (o.client?.length
              ? `\n\nclient certificates (mTLS): give the hub --tls-client-ca ${join(dir, 'ca.pem')}, and each collector --tls-client-cert NAME.pem --tls-client-key NAME-key.pem`
              : ''),
        );
      }),
  );
  return cert;
}
