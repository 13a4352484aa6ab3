import { join } from 'node:path';
import type { ZHub } from '../../hub/index.js';
import { randomPassword } from '../../hub/index.js';
import { CollectorDaemon, HostCollector } from '../../daemons/index.js';
import type { Logger } from '../../shared/index.js';

const LOCAL_USER = 'zhub-local-collector';

/** The device a fresh install watches: this machine, every 10 s. */
const LOCALHOST_DEVICE = {
  id: 'localhost',
  title: 'This machine',
  address: '127.0.0.1',
  collector: 'localhost',
  datasources: [
    {
      name: 'host',
      type: 'host',
      interval: 10,
      datapoints: [
        { name: 'cpu' },
        { name: 'load1' },
        { name: 'load5' },
        { name: 'load15' },
        { name: 'memUsed', threshold: { max: 95, severity: 3 } },
        { name: 'memFree' },
        { name: 'diskUsed', threshold: { max: 90, severity: 4 } },
        { name: 'netIn', type: 'counter' as const },
        { name: 'netOut', type: 'counter' as const },
      ],
    },
  ],
};

/**
 * The newcomer's path: a `host` collector inside the hub process, polling a `localhost`
 * device (created on first start), so a fresh install shows live data at once. It logs in
 * with a user that exists only in this process's memory (never written to the users file).
 */
export async function startLocalCollector(
  zhub: ZHub,
  wsUrl: string,
  dataDir: string,
  log: Logger,
): Promise<CollectorDaemon> {
  const env = zhub.hub.env;
  if (!(await env.store.model.getDevice(LOCALHOST_DEVICE.id))) {
    await env.model.putDevices([LOCALHOST_DEVICE], 'add');
    log.info('created the localhost device, polled every 10 s by the local host collector');
  }
  const password = randomPassword();
  await zhub.hub.users.set(LOCAL_USER, password);
  const daemon = new CollectorDaemon({
    url: wsUrl,
    username: LOCAL_USER,
    password,
    name: 'host@local',
    monitor: 'localhost',
    dataDir: join(dataDir, 'daemon-host-local'),
    collectors: [new HostCollector()],
    heartbeatMs: 30_000,
    logger: log.child({ component: 'local-collector' }),
  });
  await daemon.startCollecting();
  return daemon;
}
