import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  DEFAULT_HUB_LIMITS,
  DEFAULT_RPC_LIMITS,
  DEFAULT_WORKER_POOL,
  LANE_NAMES,
  ZHubError,
} from '../shared/index.js';
import { DEFAULT_DATA_LIMITS } from './hub-environment.js';
import { NAME } from './model/model-schemas.js';
import { DEFAULT_RETENTION } from './retention.js';
import { redactUrl } from './store/store-url.js';

const positiveInt = z.number().int().min(1);
/** A partial object of positive integers with exactly the keys of `defaults`. */
const limitsOf = (defaults: object) =>
  z
    .strictObject(Object.fromEntries(Object.keys(defaults).map((k) => [k, positiveInt.optional()])))
    .default({});

const laneName = z.enum(LANE_NAMES);
const laneSpec = z.union([
  z.literal('loop'),
  laneName,
  z.strictObject({
    lane: z.union([z.literal('loop'), laneName]),
    deadlineMs: positiveInt.optional(),
    idempotent: z.boolean().optional(),
  }),
]);
/** Worker lanes: threads, recycling, routes `Service:method → lane`, per-lane limits. */
const lanesSchema = z
  .strictObject({
    threads: z.number().int().min(0).max(64).default(DEFAULT_WORKER_POOL.threads),
    recycleAfterCalls: positiveInt.default(DEFAULT_WORKER_POOL.recycleAfterCalls),
    recycleHeapMb: positiveInt.default(DEFAULT_WORKER_POOL.recycleHeapMb),
    niceness: z.number().int().min(0).max(19).default(DEFAULT_WORKER_POOL.niceness),
    startTimeoutMs: positiveInt.default(DEFAULT_WORKER_POOL.startTimeoutMs),
    routes: z
      .record(
        z
          .string()
          .regex(
            /^(\*|[A-Za-z][A-Za-z0-9_.-]{0,99}):(\*|[A-Za-z_][A-Za-z0-9_]{0,99})$/,
            'a route is Service:method (either may be *)',
          ),
        laneSpec,
      )
      .default({}),
    lanes: z
      .partialRecord(
        laneName,
        z.strictObject({
          weight: positiveInt.optional(),
          maxQueue: positiveInt.optional(),
          deadlineMs: positiveInt.optional(),
        }),
      )
      .default({}),
  })
  .default({
    ...DEFAULT_WORKER_POOL,
    routes: {},
    lanes: {},
  });

/** The hub's configuration: every key, its type and default, in one place. */
export const hubConfigSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8789),
  // Loopback by default: a hub reachable from other hosts is a choice (with TLS, or a warning).
  host: z.string().min(1).default('127.0.0.1'),
  data: z.string().min(1).default('./data'),
  /** `postgres://user@host/db` for a store shared by several hubs; default: SQLite under `data`. */
  store: z
    .string()
    .regex(
      /^postgres(ql)?:\/\//,
      'store: a postgres:// URL (leave it out for the embedded SQLite store)',
    )
    .optional(),
  /** Hub processes sharing the port (PostgreSQL store only). */
  workers: z.number().int().min(1).max(64).default(1),
  users: z.string().min(1).optional(),
  services: z.array(z.string().min(1)).default([]),
  /** PEM files of the hub's certificate and key: HTTPS and WSS (`zhub cert init` makes them). */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  /** A CA (PEM file) whose client certificates daemons may present (mTLS). */
  tlsClientCa: z.string().min(1).optional(),
  /** With tlsClientCa: refuse connections without a client certificate. */
  tlsRequireClientCert: z.boolean().default(false),
  /** Behind a TLS proxy: trust it for client addresses and the protocol (true, or addresses). */
  trustProxy: z.union([z.boolean(), z.string().min(1), z.array(z.string().min(1))]).optional(),
  /** Reload a changed service module without restarting (daemons get the new service). */
  watch: z.boolean().default(false),
  monitors: z.array(z.string().regex(NAME)).min(1).default(['localhost']),
  tracebacks: z.boolean().default(false),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  localCollector: z.boolean().default(false),
  limits: limitsOf(DEFAULT_HUB_LIMITS),
  rpcLimits: limitsOf(DEFAULT_RPC_LIMITS),
  dataLimits: limitsOf(DEFAULT_DATA_LIMITS),
  retention: limitsOf(DEFAULT_RETENTION),
  lanes: lanesSchema,
});

export type HubConfig = z.output<typeof hubConfigSchema>;

/** Keys whose values are never printed. */
const SECRET = /password|secret|token/i;

/** `port` ← ZHUB_PORT, `logLevel` ← ZHUB_LOG_LEVEL, `limits.maxConnections` ← ZHUB_LIMITS__MAX_CONNECTIONS. */
function envKey(path: string[]): string {
  return `ZHUB_${path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('__')}`;
}

/** Environment values are text: JSON where they parse as JSON, else strings; lists split on commas. */
function envValue(raw: string, list: boolean): unknown {
  if (list)
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The configuration as the environment gives it (only the variables that are set). */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(hubConfigSchema.shape)) {
    const name = envKey([key]);
    const list = key === 'services' || key === 'monitors';
    if (env[name] !== undefined) out[key] = envValue(env[name], list);
    const inner = (schema as { unwrap?: () => { shape?: object } }).unwrap?.().shape;
    if (inner && typeof inner === 'object') {
      for (const sub of Object.keys(inner)) {
        const subName = envKey([key, sub]);
        if (env[subName] !== undefined) {
          out[key] = { ...(out[key] as object | undefined), [sub]: envValue(env[subName], false) };
        }
      }
    }
  }
  return out;
}

function merge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] =
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      b !== null &&
      typeof b === 'object' &&
      !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * The effective configuration: defaults ← the config file ← `ZHUB_*` environment variables ←
 * command-line flags. A bad value anywhere stops the start with one message naming every
 * offending key (HUB_ERR_CONFIG).
 */
export async function loadHubConfig(sources: {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, unknown>;
}): Promise<HubConfig> {
  let fromFile: Record<string, unknown> = {};
  if (sources.file !== undefined) {
    let text: string;
    try {
      text = await readFile(sources.file, 'utf8');
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_CONFIG',
        `cannot read the config file ${sources.file}: ${(err as Error).message}`,
      );
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ZHubError(
        'HUB_ERR_CONFIG',
        `${sources.file} is not valid JSON: ${(err as Error).message}`,
      );
    }
    if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
      throw new ZHubError('HUB_ERR_CONFIG', `${sources.file} must hold a JSON object`);
    }
  }
  const merged = merge(merge(fromFile, configFromEnv(sources.env ?? {})), sources.flags ?? {});
  const r = hubConfigSchema.safeParse(merged);
  if (!r.success) {
    const keys = r.error.issues.map((i) => {
      const path = i.path.join('.');
      const unknown =
        i.code === 'unrecognized_keys' ? ` (${(i as { keys: string[] }).keys.join(', ')})` : '';
      return `${path || '(top level)'}: ${i.message}${unknown}`;
    });
    throw new ZHubError('HUB_ERR_CONFIG', `invalid configuration — ${keys.join('; ')}`, {
      data: { keys },
    });
  }
  return r.data;
}

/** The configuration for printing: every value, secrets replaced. */
export function redactConfig(config: unknown): unknown {
  if (Array.isArray(config)) return config.map(redactConfig);
  if (config === null || typeof config !== 'object') return config;
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [
      k,
      SECRET.test(k)
        ? '********'
        : k === 'store' && typeof v === 'string'
          ? redactUrl(v)
          : redactConfig(v),
    ]),
  );
}
