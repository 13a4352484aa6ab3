// A bench server process: starts one target, reports its URL, answers CPU-usage questions.
import { startServer, type TargetName } from './targets.js';

const target = process.argv[2] as TargetName;
const url = await startServer(target);
process.on('message', (m: unknown) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  if (m === 'exit') process.exit(0);
});
process.send?.({ url });
