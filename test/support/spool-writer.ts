// A child process that appends to a spool until killed, printing each sequence number after
// its append returned (committed). Used to prove that SIGKILL loses nothing appended.
import { Spool } from '../../daemons/index.js';

const spool = new Spool({ path: process.argv[2] as string });
let i = 0;
for (;;) {
  const seqs = spool.append(
    'metrics',
    Array.from({ length: 50 }, () => ({ device: 'd', metric: 'm', value: i++, timestamp: 1 })),
  );
  process.stdout.write(`${seqs[seqs.length - 1]}\n`);
  if (i % 500 === 0) await new Promise((r) => setImmediate(r));
}
