import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Hub,
  StaticMonitors,
  UserStore,
  type DataLimits,
  type ServiceClass,
} from '../hub/index.js';
import {
  CollectorDaemon,
  HubClient,
  type Collector,
  type CollectorDaemonOptions,
  type HubClientOptions,
} from '../daemons/index.js';
import { builtinServices } from '../services/index.js';
import { createLogger, type HubLimits, type Logger } from '../shared/index.js';
import { ManualClock } from './manual-clock.js';
import { transportPair } from './memory-transport.js';

/** Options of {@link testHub}; every one has a default fit for a unit test. */
export interface TestHubOptions {
  /** Your services, registered beside the built-in ones. */
  services?: ServiceClass[];
  /** Register zhub's own services (ConfigService, EventService, MetricService…). Default true. */
  builtins?: boolean;
  /** Monitors the hub knows (default: `localhost` only). */
  monitors?: string[];
  /** Where the clock starts (ms since the epoch). */
  startAt?: number;
  /** Default: silent. Pass `createLogger({ level: 'debug' })` to see what the hub does. */
  logger?: Logger;
  limits?: Partial<HubLimits>;
  dataLimits?: Partial<DataLimits>;
}

/** What {@link TestHub.collector} takes: the plug-ins, and any daemon option to change. */
export type TestCollectorOptions = Partial<Omit<CollectorDaemonOptions, 'collectors'>> & {
  collectors: Collector[];
};

/** The user every client of a test hub logs in as. */
export const TEST_USER = 'test';
const TEST_PASSWORD = 'test-password';

/**
 * A hub and its clients in one process, for the tests of a service or a collector: no port,
 * no files of the hub's own (an in-memory store), and a {@link ManualClock} that moves only
 * when told, so heartbeats, schedules and pushes are tested without sleeping. Every client
 * and daemon it makes is closed by `close()`.
 *
 * ```ts
 * const t = await testHub({ services: [InventoryService] });
 * const client = await t.connect();
 * const inventory = await client.getService('InventoryService');
 * expect(await inventory.callRemote('count', 'router-1')).toBe(0);
 * await t.close();
 * ```
 */
export class TestHub {
  readonly clock: ManualClock;
  readonly hub: Hub;
  private readonly clients: HubClient[] = [];
  private readonly daemons: CollectorDaemon[] = [];
  private readonly dirs: string[] = [];
  private seq = 0;

  private constructor(hub: Hub, clock: ManualClock) {
    this.hub = hub;
    this.clock = clock;
  }

  /** @internal use {@link testHub}. */
  static async create(options: TestHubOptions = {}): Promise<TestHub> {
    const clock = new ManualClock(options.startAt);
    const users = new UserStore();
    await users.set(TEST_USER, TEST_PASSWORD);
    const hub = new Hub({
      users,
      clock,
      logger: options.logger ?? createLogger({ level: 'silent' }),
      monitors: new StaticMonitors(options.monitors ?? ['localhost']),
      // A manual clock does not move while a test awaits: a login never times out.
      limits: { loginTimeoutMs: 86_400_000, ...options.limits },
      ...(options.dataLimits ? { dataLimits: options.dataLimits } : {}),
    });
    if (options.builtins !== false) for (const S of builtinServices) hub.registerService(S);
    for (const S of options.services ?? []) hub.registerService(S);
    return new TestHub(hub, clock);
  }

  /** The device model: add collectors and devices as an operator would. */
  get model() {
    return this.hub.env.model;
  }

  /** The store: what daemons delivered (events, samples) is read back here. */
  get store() {
    return this.hub.env.store;
  }

  /** Connects through an in-memory transport: the hub sees a new connection each time. */
  readonly connector = (): Promise<ReturnType<typeof transportPair>[0]> => {
    const [client, server] = transportPair();
    this.hub.accept(server);
    return Promise.resolve(client);
  };

  /** What every client and daemon of this hub connects with (in-memory, on its clock). */
  private link(kind: string) {
    return {
      url: 'memory://test-hub',
      username: TEST_USER,
      password: TEST_PASSWORD,
      name: `test-${kind}-${++this.seq}`,
      clock: this.clock,
      connector: this.connector,
    };
  }

  /** A client, not yet started (call `start()`); see {@link connect} for a connected one. */
  client(options: Partial<HubClientOptions> = {}): HubClient {
    const c = new HubClient({ ...this.link('client'), random: () => 0.5, ...options });
    this.clients.push(c);
    return c;
  }

  /** A started client, logged in. */
  async connect(options: Partial<HubClientOptions> = {}): Promise<HubClient> {
    const c = this.client(options);
    c.start();
    await c.whenConnected();
    return c;
  }

  /**
   * A collector daemon running `collectors` against this hub, collecting (its configuration
   * pulled). Its spool lives in a temporary folder removed by `close()`.
   */
  async collector(options: TestCollectorOptions): Promise<CollectorDaemon> {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'zhub-test-')));
    if (options.dataDir === undefined) this.dirs.push(dataDir);
    const d = new CollectorDaemon({
      ...this.link('daemon'),
      random: () => 0,
      logger: createLogger({ level: 'silent' }),
      ...options,
      dataDir,
    });
    this.daemons.push(d);
    await d.startCollecting();
    await this.until(() => d.ready);
    return d;
  }

  /**
   * Moves the clock `stepMs` at a time, letting real time pass too (logins hash passwords,
   * spools write to disk), until `cond` holds; fails after `maxSteps`.
   */
  async until(
    cond: () => boolean | Promise<boolean>,
    stepMs = 100,
    maxSteps = 5_000,
  ): Promise<void> {
    for (let i = 0; i < maxSteps; i++) {
      if (await cond()) return;
      this.clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, i % 10 === 0 ? 1 : 0));
    }
    throw new Error(`testHub.until: condition not reached in ${maxSteps} steps of ${stepMs} ms`);
  }

  /** Stops every daemon and client it made, then the hub, and removes the temporary folders. */
  async close(): Promise<void> {
    for (const d of this.daemons.splice(0)) await d.stop();
    for (const c of this.clients.splice(0)) c.close();
    await this.hub.close(0);
    for (const dir of this.dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/** A hub for tests, on a manual clock, with in-memory connections: see {@link TestHub}. */
export function testHub(options: TestHubOptions = {}): Promise<TestHub> {
  return TestHub.create(options);
}
