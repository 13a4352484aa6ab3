import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { redactSecrets, ZHubError } from '../../shared/index.js';
import type { HubEnvironment } from '../hub-environment.js';
import { AUDIT_DETAIL_CHARS } from '../store/store.js';
import { parseOrThrow } from '../model/device-model.js';
import type { Role } from '../auth/users-file.js';
import type { ApiAuth } from './api-auth.js';
import { sendError } from './api-auth.js';

const page = {
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
};
const deviceQuery = z.object({
  collector: z.string().optional(),
  search: z.string().max(128).optional(),
  ...page,
});
const eventQuery = z.object({
  state: z.enum(['open', 'acknowledged', 'closed', 'active']).optional(),
  minSeverity: z.coerce.number().int().min(0).max(5).optional(),
  'severity>': z.coerce.number().int().min(0).max(5).optional(),
  device: z.string().optional(),
  ...page,
});
const metricQuery = z.object({
  device: z.string().min(1),
  metric: z.string().min(1),
  component: z.string().default(''),
  from: z.coerce.number().min(0).optional(),
  to: z.coerce.number().min(0).optional(),
  step: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});
const deadLetterQuery = z.object({ daemon: z.string().max(300).optional(), ...page });
const idParam = z.object({ id: z.coerce.number().int().positive() });
const idsBody = z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) });

/** Largest import accepted in one request (all or nothing). */
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

const auditQuery = z.object({
  user: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Writes one audit entry (the detail clipped to AUDIT_DETAIL_CHARS). */
export async function audit(
  env: Pick<HubEnvironment, 'store' | 'limits'>,
  at: number,
  user: string,
  action: string,
  target: string,
  detail: unknown,
): Promise<void> {
  // Credentials in a changed device or collector (SNMP communities, v3 passwords) are never kept.
  let text = detail === undefined ? '' : JSON.stringify(redactSecrets(detail));
  if (text.length > AUDIT_DETAIL_CHARS) text = `${text.slice(0, AUDIT_DETAIL_CHARS)}… (clipped)`;
  await env.store.audit.add(
    { at, user, action, target: target.slice(0, 1024), detail: text },
    env.limits.maxAuditEntries,
  );
}

/** Operators may change only the events' states. */
const OPERATOR_WRITES = new Set([
  '/api/events/acknowledge',
  '/api/events/close',
  '/api/events/reopen',
]);

/**
 * The role rule of the HTTP API: admins may do everything; operators may read everything and
 * acknowledge, close and reopen events; collector users have no HTTP API at all (their
 * credentials sit on every collector host). Refused: HUB_ERR_FORBIDDEN (403).
 */
export function allow(role: Role, method: string, route: string, user: string): void {
  if (role === 'admin') return;
  if (route === '/api/audit')
    throw new ZHubError('HUB_ERR_FORBIDDEN', `user '${user}' may not read the audit log`);
  if (role === 'operator' && (method === 'GET' || method === 'HEAD' || OPERATOR_WRITES.has(route)))
    return;
  throw new ZHubError(
    'HUB_ERR_FORBIDDEN',
    role === 'collector'
      ? `user '${user}' is a collector: daemon logins only, no HTTP API`
      : `user '${user}' is an operator: ${method} ${route} needs an admin`,
  );
}

/**
 * The hub's HTTP JSON API under /api: the model, the event console and metric queries.
 * Every route needs the hub's credentials (HTTP Basic); every input is checked by a schema and
 * a bad one gets a 400 naming the field.
 */
export function registerApiRoutes(
  app: FastifyInstance,
  env: HubEnvironment,
  auth: ApiAuth,
  now: () => number,
  status: (page: { offset: number; limit: number }) => unknown,
): void {
  void app.register(
    (api, _opts, done) => {
      api.decorateRequest('user', '');
      api.addHook('onRequest', async (req) => {
        const who = await auth.check(req);
        (req as unknown as { user: string }).user = who;
        allow(auth.roleOf(who), req.method, req.routeOptions.url ?? req.url, who);
      });
      // Every change that succeeded is audited: who, what, which, when.
      api.addHook('onResponse', async (req, reply) => {
        if (req.method === 'GET' || req.method === 'HEAD' || reply.statusCode >= 400) return;
        const route = req.routeOptions.url ?? req.url;
        const params = (req.params ?? {}) as Record<string, string>;
        const body = req.body as { ids?: unknown; id?: unknown; name?: unknown } | undefined;
        const target =
          params.id ??
          params.name ??
          (Array.isArray(body?.ids) ? body.ids.join(',') : undefined) ??
          (typeof body?.id === 'string' ? body.id : undefined) ??
          (typeof body?.name === 'string' ? body.name : undefined) ??
          (Array.isArray(req.body) ? `${req.body.length} devices` : '');
        await audit(env, now(), user(req), `${req.method} ${route}`, target, req.body).catch(
          (err: unknown) => req.log.error({ err }, 'could not write the audit log'),
        );
      });
      api.setErrorHandler((err, req, reply) =>
        sendError(reply, err, req.headers.authorization !== undefined),
      );
      const user = (req: object): string => (req as { user: string }).user;

      api.get('/status', (req) => status(parseOrThrow(z.object(page), req.query)));
      // Secret properties (SNMP credentials) are for admins: everyone else sees them redacted.
      const shown = <T>(req: object, value: T): T =>
        auth.roleOf(user(req)) === 'admin' ? value : redactSecrets(value);
      api.get('/collectors', async (req) =>
        shown(req, { collectors: await env.model.collectors() }),
      );
      api.post('/collectors', async (req, reply) => {
        const r = await env.model.putCollector(req.body);
        return reply.code(r.created ? 201 : 200).send(r.collector);
      });
      api.patch<{ Params: { name: string } }>('/collectors/:name', (req) =>
        env.model.editCollector(
          req.params.name,
          (req.body as { properties?: unknown } | null)?.properties ?? {},
        ),
      );
      api.delete<{ Params: { name: string } }>('/collectors/:name', async (req, reply) => {
        await env.model.removeCollector(req.params.name);
        return reply.code(204).send();
      });

      api.get('/devices', async (req) => {
        const q = parseOrThrow(deviceQuery, req.query);
        return shown(req, await env.store.model.listDevices(q));
      });
      api.get<{ Params: { id: string } }>('/devices/:id', async (req) => {
        const d = await env.store.model.getDevice(req.params.id);
        if (!d) throw new ZHubError('HUB_ERR_NOT_FOUND', `no device '${req.params.id}'`);
        return shown(req, d);
      });
      api.post<{ Querystring: { mode?: string } }>('/devices', async (req, reply) => {
        const mode = req.query.mode === 'upsert' ? 'upsert' : 'add';
        const many = Array.isArray(req.body);
        const devices = await env.model.putDevices(many ? req.body : [req.body], mode);
        return reply.code(201).send(many ? { devices } : devices[0]);
      });
      api.post('/devices/import', { bodyLimit: IMPORT_BODY_LIMIT }, async (req) => {
        const devices = await env.model.putDevices(req.body, 'upsert');
        return { imported: devices.length };
      });
      api.patch<{ Params: { id: string } }>('/devices/:id', (req) =>
        env.model.editDevice(req.params.id, req.body),
      );
      api.delete<{ Params: { id: string } }>('/devices/:id', async (req, reply) => {
        await env.model.removeDevices([req.params.id]);
        return reply.code(204).send();
      });

      // Monitoring templates: bound by devices through zDeviceTemplates.
      api.get('/templates', async () => ({ templates: await env.model.templates() }));
      api.get('/templates/export', () => env.model.templates());
      api.get<{ Params: { name: string } }>('/templates/:name', (req) =>
        env.model.template(req.params.name),
      );
      api.post<{ Querystring: { mode?: string } }>('/templates', async (req, reply) => {
        const mode = req.query.mode === 'upsert' ? 'upsert' : 'add';
        const written = await env.model.putTemplates(req.body, mode);
        if (Array.isArray(req.body)) return reply.code(201).send({ templates: written });
        const name = (req.body as { name?: unknown } | null)?.name;
        return reply.code(201).send(await env.model.template(String(name)));
      });
      api.post('/templates/import', { bodyLimit: IMPORT_BODY_LIMIT }, async (req) => {
        if (!Array.isArray(req.body))
          throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'expected an array of templates');
        const written = await env.model.putTemplates(req.body, 'upsert');
        return { imported: req.body.length, changed: written.length };
      });
      api.patch<{ Params: { name: string } }>('/templates/:name', (req) =>
        env.model.editTemplate(req.params.name, req.body),
      );
      api.delete<{ Params: { name: string } }>('/templates/:name', async (req, reply) => {
        await env.model.removeTemplate(req.params.name);
        return reply.code(204).send();
      });

      api.get('/events', (req) => {
        const q = parseOrThrow(eventQuery, req.query);
        return env.store.events.queryEvents({
          ...(q.state ? { state: q.state } : {}),
          ...((q.minSeverity ?? q['severity>']) !== undefined
            ? { minSeverity: q.minSeverity ?? q['severity>'] }
            : {}),
          ...(q.device ? { device: q.device } : {}),
          offset: q.offset,
          limit: q.limit,
        });
      });
      for (const [path, state] of [
        ['acknowledge', 'acknowledged'],
        ['close', 'closed'],
        ['reopen', 'open'],
      ] as const) {
        api.post(`/events/${path}`, async (req) => {
          const { ids } = parseOrThrow(idsBody, req.body);
          return { changed: await env.store.events.setEventState(ids, state, user(req), now()) };
        });
      }

      api.get('/audit', (req) => {
        const q = parseOrThrow(auditQuery, req.query);
        return env.store.audit.list(q);
      });
      api.get('/deadletters', (req) => {
        const q = parseOrThrow(deadLetterQuery, req.query);
        return env.store.deadLetters.list(
          q.daemon === undefined ? { offset: q.offset, limit: q.limit } : q,
        );
      });
      api.get('/deadletters/:id', async (req) => {
        const { id } = parseOrThrow(idParam, req.params);
        const letter = await env.store.deadLetters.get(id);
        if (!letter) throw new ZHubError('HUB_ERR_NOT_FOUND', `no dead letter ${id}`);
        return letter;
      });

      api.get('/metrics', async (req) => {
        const q = parseOrThrow(metricQuery, req.query);
        const to = q.to ?? now();
        const from = q.from ?? to - 3_600_000;
        return {
          device: q.device,
          metric: q.metric,
          component: q.component,
          from,
          to,
          step: q.step ?? null,
          points: await env.store.metrics.queryMetrics({ ...q, from, to }),
        };
      });
      api.get<{ Querystring: { device?: string } }>('/metrics/series', async (req) => {
        if (!req.query.device) throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'device: required');
        return { series: await env.store.metrics.listSeries(req.query.device) };
      });
      done();
    },
    { prefix: '/api' },
  );
}
