import { Command, Option } from 'commander';
import { randomPassword, UserStore } from '../../hub/index.js';
import { defaultUsersFile } from '../../hub/main.js';

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

const usersPath = (f: FileFlags): string => f.users ?? defaultUsersFile(f.data);

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
        ),
    ).action(async (name: string, f: FileFlags & { password?: string }) => {
      const { store, generatedPassword } = await UserStore.open(usersPath(f));
      if (generatedPassword !== undefined) {
        console.log(`created ${usersPath(f)} with user 'admin', password: ${generatedPassword}`);
      }
      const password = f.password ?? randomPassword();
      const existed = store.has(name);
      await store.set(name, password);
      await store.save();
      console.log(
        `${existed ? 'updated' : 'added'} user '${name}'${f.password ? '' : ` with password: ${password}`}`,
      );
    }),
  );
  user.addCommand(
    fileOptions(new Command('remove').description('remove a user').argument('<name>')).action(
      async (name: string, f: FileFlags) => {
        const store = await UserStore.load(usersPath(f));
        if (!store.remove(name)) throw new Error(`no user '${name}' in ${usersPath(f)}`);
        await store.save();
        console.log(`removed user '${name}'`);
      },
    ),
  );
  user.addCommand(
    fileOptions(new Command('list').description('list user names')).action(async (f: FileFlags) => {
      const store = await UserStore.load(usersPath(f));
      for (const name of store.list()) console.log(name);
    }),
  );
  return user;
}
