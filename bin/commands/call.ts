import { Command } from 'commander';
import { openClient } from './client-session.js';
import { addClientOptions, type ClientFlags } from './options.js';

/** Parses a JSON argument; a bare word that is not JSON is taken as a string. */
function parseArg(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function callCommand(): Command {
  const cmd = new Command('call')
    .description('call any remote method and print the result as JSON (the service tester)')
    .argument('<service>', 'service name, e.g. AddService')
    .argument('<method>', 'method name without remote_, e.g. add')
    .argument('[args...]', 'arguments as JSON (bare words are strings)');
  return addClientOptions(cmd).action(
    async (service: string, method: string, args: string[], flags: ClientFlags) => {
      const session = await openClient(flags);
      try {
        const proxy = await session.client.getService(service);
        const result = await proxy.callRemote(method, ...args.map(parseArg));
        console.log(JSON.stringify(result === undefined ? null : result, null, 2));
      } finally {
        await session.close();
      }
    },
  );
}
