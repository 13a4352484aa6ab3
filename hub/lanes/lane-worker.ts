// A lane worker: a thread that runs remote methods of services routed to worker lanes, with
// its own store connection. One call at a time; the service's listeners stay on the hub's
// loop and are reached through messages. Started by WorkerPool (never imported elsewhere).
import { getPriority, setPriority } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import {
  fromErrorRecord,
  isExpectedError,
  RawJson,
  Referenceable,
  remoteMethodsOf,
  systemClock,
  toErrorRecord,
  ZHubError,
} from '../../shared/index.js';
import { HubService, type ServiceClass } from '../hub-service.js';
import { serviceNameOf } from '../service-registry.js';
import { openWorkerStore } from '../store/worker-store.js';
import type { Store } from '../store/store.js';
import { ListenerProxies } from './listener-proxy.js';
import { workerEnvironment } from './worker-env.js';
import type {
  CallMessage,
  DoneMessage,
  FromWorker,
  ToWorker,
  WorkerInit,
} from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('lane-worker runs as a worker thread');
const init = workerData as WorkerInit;
const post = (m: FromWorker): void => port.postMessage(m);

// Log lines go to the hub's logger (one destination, the operator's format).
const log = pino(
  { level: init.logLevel, base: undefined, timestamp: false },
  {
    write(line: string) {
      const record = JSON.parse(line) as Record<string, unknown>;
      post({ t: 'log', level: Number(record.level), record });
    },
  },
);

if (init.niceness > 0) {
  try {
    // On Linux a thread has its own niceness: this one yields the CPU to the hub's loop.
    setPriority(Math.min(19, getPriority() + init.niceness));
  } catch (err) {
    log.debug({ err }, 'could not lower the worker thread priority');
  }
}

let store: Store | undefined;
const ready: Promise<boolean> = openWorkerStore(init.store, log).then(
  (s) => {
    store = s;
    post({ t: 'ready' });
    return true;
  },
  (err: unknown) => {
    post({ t: 'start-failed', error: toErrorRecord(err, false) });
    return false;
  },
);

const proxies = new ListenerProxies((m) => post(m));
const classes = new Map<string, Promise<ServiceClass>>();
const instances = new Map<string, HubService>();

async function classOf(module: string, service: string): Promise<ServiceClass> {
  const mod = (await import(module)) as Record<string, unknown>;
  const Class = Object.values(mod).find(
    (v): v is ServiceClass =>
      typeof v === 'function' &&
      (v as { prototype?: unknown }).prototype instanceof HubService &&
      serviceNameOf(v as ServiceClass) === service,
  );
  if (Class === undefined)
    throw new ZHubError('HUB_ERR_SERVICE_LOAD', `${module} exports no service '${service}'`);
  return Class;
}

async function instanceFor(m: CallMessage, s: Store): Promise<HubService> {
  const key = `${m.module}\u0000${m.service}\u0000${m.monitor}`;
  let svc = instances.get(key);
  if (svc !== undefined) return svc;
  let Class = classes.get(`${m.module}\u0000${m.service}`);
  if (Class === undefined) {
    Class = classOf(m.module, m.service);
    classes.set(`${m.module}\u0000${m.service}`, Class);
    Class.catch(() => classes.delete(`${m.module}\u0000${m.service}`));
  }
  const C = await Class;
  svc = instances.get(key); // made meanwhile?
  if (svc === undefined) {
    svc = new C({
      name: m.service,
      monitor: m.monitor,
      log: log.child({ service: m.service, monitor: m.monitor }),
      clock: systemClock,
      env: workerEnvironment(s, init.limits, (metric) => post(metric)),
    });
    instances.set(key, svc);
  }
  return svc;
}

function heapBytes(): number {
  return getHeapStatistics().used_heap_size;
}

async function run(m: CallMessage): Promise<void> {
  let done: DoneMessage;
  try {
    if (!(await ready) || store === undefined)
      throw new ZHubError('HUB_ERR_STORE', 'the worker could not open the store');
    const svc = await instanceFor(m, store);
    proxies.attach(svc, m.listeners);
    const method = remoteMethodsOf(svc)?.get(m.method);
    if (method === undefined)
      throw new ZHubError(
        'HUB_ERR_NO_SUCH_METHOD',
        `${m.service} has no remote method '${m.method}'`,
      );
    const value = await (method.withCaller
      ? method.fn.call(svc, m.caller, ...m.args)
      : method.fn.apply(svc, m.args));
    if (value instanceof Referenceable)
      throw new ZHubError(
        'HUB_ERR_NOT_COPYABLE',
        `${m.service}.${m.method} answered an object by reference, which cannot leave a worker lane: run it on the loop`,
      );
    done =
      value instanceof RawJson
        ? { t: 'done', id: m.id, ok: true, raw: value.json, heapBytes: heapBytes() }
        : { t: 'done', id: m.id, ok: true, value, heapBytes: heapBytes() };
  } catch (err) {
    if (!isExpectedError(err))
      log.error(
        { err, service: m.service, method: m.method },
        'remote method raised an unexpected error',
      );
    done = {
      t: 'done',
      id: m.id,
      ok: false,
      error: toErrorRecord(err, false),
      heapBytes: heapBytes(),
    };
  }
  try {
    post(done);
  } catch (err) {
    // The answer holds something structured clone cannot copy (a function, a class handle).
    post({
      t: 'done',
      id: m.id,
      ok: false,
      error: toErrorRecord(
        new ZHubError(
          'HUB_ERR_NOT_COPYABLE',
          `${m.service}.${m.method}'s answer cannot leave the worker: ${(err as Error).message}`,
        ),
        false,
      ),
      heapBytes: heapBytes(),
    });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'call') void run(m);
  else if (m.t === 'pushed')
    proxies.settle(m.id, m.ok, m.value, m.error && fromErrorRecord(m.error, m.error.data));
});
