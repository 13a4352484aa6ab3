import type {
  CallOptions,
  Contract,
  ContractArgs,
  ContractResult,
  MethodSpec,
  MethodSpecs,
} from '../shared/index.js';
import { ZHubError } from '../shared/index.js';
import type { ServiceProxy } from './service-proxy.js';

type Methods<M extends MethodSpecs> = {
  readonly [K in keyof M]: (...args: ContractArgs<M[K]['args']>) => Promise<ContractResult<M[K]>>;
};

/**
 * A service as a contract describes it: one typed function per remote method
 * (`inventory.count('router-1')` is `callRemote('count', 'router-1')`, checked by tsc), and
 * the proxy underneath (`$proxy`: release, notifyOnDisconnect, untyped calls).
 */
export type ServiceHandle<C extends Contract> = Methods<C['methods']> & {
  readonly $proxy: ServiceProxy;
  /** The same handle with call options (a deadline) on every call. */
  $withOptions(options: CallOptions): ServiceHandle<C>;
};

export interface HandleOptions {
  /**
   * Check every answer against the contract's result schema (default false: the answer
   * types the handle but is not parsed). A mismatch rejects with HUB_ERR_BAD_MESSAGE.
   */
  checkResults?: boolean;
}

function resultCheck(service: string, method: string, spec: MethodSpec) {
  const schema = spec.result as unknown as {
    safeParse(v: unknown): { success: boolean; data?: unknown; error?: { message: string } };
  };
  return (v: unknown): unknown => {
    const r = schema.safeParse(v);
    if (!r.success) {
      throw new ZHubError(
        'HUB_ERR_BAD_MESSAGE',
        `${service}.${method} answered what its contract does not allow: ${r.error?.message ?? ''}`,
      );
    }
    return r.data;
  };
}

/** A typed handle over `proxy` (see {@link ServiceHandle}); the functions are made once. */
export function serviceHandle<C extends Contract>(
  proxy: ServiceProxy,
  contract: C,
  options: HandleOptions = {},
  callOptions: CallOptions = {},
): ServiceHandle<C> {
  const handle = Object.create(null) as Record<string, unknown>;
  for (const [name, spec] of Object.entries(contract.methods)) {
    const check = options.checkResults ? resultCheck(contract.service, name, spec) : undefined;
    handle[name] =
      check === undefined
        ? (...args: unknown[]) => proxy.callRemoteWithOptions(callOptions, name, ...args)
        : (...args: unknown[]) =>
            proxy.callRemoteWithOptions(callOptions, name, ...args).then(check);
  }
  Object.defineProperty(handle, '$proxy', { value: proxy });
  Object.defineProperty(handle, '$withOptions', {
    value: (o: CallOptions) => serviceHandle(proxy, contract, options, { ...callOptions, ...o }),
  });
  return Object.freeze(handle) as ServiceHandle<C>;
}
