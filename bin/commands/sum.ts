import { Command } from 'commander';
import { drive, type Driver } from '../../shared/index.js';
import { openClient } from './client-session.js';
import { addClientOptions, type ClientFlags } from './options.js';

export function sumCommand(): Command {
  const cmd = new Command('sum')
    .description(
      'add numbers on the hub: the seed example (AddService, repeated add calls inside drive())',
    )
    .argument('<numbers...>', 'numbers to add');
  return addClientOptions(cmd).action(async (numbers: string[], flags: ClientFlags) => {
    const values = numbers.map((n) => {
      const v = Number(n);
      if (n.trim() === '' || !Number.isFinite(v)) throw new Error(`not a number: ${n}`);
      return v;
    });
    const session = await openClient(flags);
    try {
      const adder = await session.client.getService('AddService');
      const total = await drive(function* (driver: Driver) {
        let t = 0;
        // drive() resolves with the last yielded result: with no numbers, that is this 0.
        yield Promise.resolve(0);
        for (const n of values) {
          yield adder.callRemote('add', t, n);
          t = driver.next() as number;
        }
      });
      console.log(String(total));
    } finally {
      await session.close();
    }
  });
}
