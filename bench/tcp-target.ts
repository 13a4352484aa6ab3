// A local TCP target for the scheduler bench: accepts and closes connections.
import { createServer } from 'node:net';

const server = createServer((s) => s.destroy());
server.maxConnections = 100_000;
server.listen(0, '127.0.0.1', () =>
  process.send?.({ port: (server.address() as { port: number }).port }),
);
process.on('message', () => process.exit(0));
