// Runs an upgrade flood in its own process (so it does not share an event loop with the
// daemons whose throughput is measured) and prints the outcome as JSON.
//   flood-process <url> <localAddress> <ms> <perSecond>
import { upgradeFlood } from './flood.js';

const [url, localAddress, ms, perSecond] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const out = await upgradeFlood(url, localAddress, Number(ms), Number(perSecond));
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
