import { Command, Option } from 'commander';
import { resolve } from 'node:path';

// Loaded when a user command runs, not for `zhub --help`.
const usersFile = () => import('../../hub/index.js');

interface FileFlags {
  data: string;
  users?: string;
}

function fileOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('-d, --data <dir>', 'hub data directory').default('./data').env('ZHUB_DATA'),
    )
    .addOption(
      new Option('--users <file>', 'users file (default: <data>/hubpasswd.json)').env('ZHUB_USERS'),
    );
}

/** The users file: `--users`, else `hubpasswd.json` in the data directory (as the hub reads it). */
const usersPath = (f: FileFlags): string => f.users ?? resolve(f.data, 'hubpasswd.json');

export function userCommand(): Command {
  const user = new Command('user').description(
    'manage hub users (salted scrypt hashes in the users file)',
  );
  user.addCommand(
    fileOptions(
      new Command('add')
        .description('add a user, or set a new password for an existing one')
        .argument('<name>')
        .addOption(
          new Option(
            '--password <password>',
            'the password (default: a random one, printed once)',
          ).env('ZHUB_NEW_PASSWORD'),
        )
        .addOption(
          new Option(
            '--role <role>',
            'admin (everything), operator (status page, events, reading the model) or collector (daemon logins only)',
          ).choices(['admin', 'operator', 'collector']),
        )
        .option('--monitor <name...>', "a collector user's monitors (default: all)")
        .option(
          '--token',
          'give the user a machine token instead of a password (for collectors: checked in microseconds)',
        ),
    ).action(
      async (
        name: string,
        f: FileFlags & {
          password?: string;
          role?: 'admin' | 'operator' | 'collector';
          monitor?: string[];
          token?: boolean;
        },
      ) => {
        const { randomPassword, UserStore } = await usersFile();
        const { store, generatedPassword } = await UserStore.open(usersPath(f));
        if (generatedPassword !== undefined) {
          console.log(`created ${usersPath(f)} with user 'admin', password: ${generatedPassword}`);
        }
        if (f.monitor && f.role !== 'collector')
          throw new Error('--monitor scopes collector users: give --role collector too');
        if (f.token && f.password) throw new Error('--token or --password, not both');
        const existed = store.has(name);
        let secret: string | undefined;
        if (f.token) secret = store.setToken(name);
        else {
          const password = f.password ?? randomPassword();
          await store.set(name, password);
          if (!f.password) secret = password;
        }
        if (f.role !== undefined) store.setGrant(name, f.role, f.monitor);
        await store.save();
        const grant = store.grant(name);
        console.log(
          `${existed ? 'updated' : 'added'} user '${name}' (${grant?.role ?? 'admin'}${grant?.monitors ? ` of ${grant.monitors.join(', ')}` : ''})${secret === undefined ? '' : ` with ${f.token ? 'token' : 'password'}: ${secret}`}`,
        );
      },
    ),
  );
  user.addCommand(
    fileOptions(
      new Command('passwd')
        .description("reset a user's password (its sessions on a running hub end at once)")
        .argument('<name>')
        .addOption(
          new Option(
            '--password <password>',
            'the new password (default: a random one, printed once)',
          ).env('ZHUB_NEW_PASSWORD'),
        )
        .option('--token', 'issue a new machine token instead (printed once)'),
    ).action(async (name: string, f: FileFlags & { password?: string; token?: boolean }) => {
      const { randomPassword, UserStore } = await usersFile();
      const store = await UserStore.load(usersPath(f));
      if (!store.has(name)) throw new Error(`no user '${name}' in ${usersPath(f)}`);
      if (f.token) {
        const token = store.setToken(name);
        await store.save();
        console.log(`new token for '${name}': ${token}`);
        return;
      }
      const password = f.password ?? randomPassword();
      await store.set(name, password);
      await store.save();
      console.log(`new password for '${name}'${f.password ? '' : `: ${password}`}`);
    }),
  );
  user.addCommand(
    fileOptions(new Command('remove').description('remove a user').argument('<name>')).action(
      async (name: string, f: FileFlags) => {
        const { UserStore } = await usersFile();
        const store = await UserStore.load(usersPath(f));
        if (!store.remove(name)) throw new Error(`no user '${name}' in ${usersPath(f)}`);
        await store.save();
        console.log(`removed user '${name}'`);
      },
    ),
  );
  user.addCommand(
    fileOptions(new Command('list').description('list user names')).action(async (f: FileFlags) => {
      const { UserStore } = await usersFile();
      const store = await UserStore.load(usersPath(f));
      for (const name of store.list()) {
        const g = store.grant(name);
        console.log(
          `${name}\t${g?.role ?? 'admin'}${g?.monitors ? `\t${g.monitors.join(',')}` : ''}`,
        );
      }
    }),
  );
  return user;
}
