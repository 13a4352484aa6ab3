import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ZHubError } from '../../shared/index.js';
import type { ApiAuth } from './api-auth.js';
import { sendError } from './api-auth.js';
import { cookie, SESSION_COOKIE, sessionCookie } from './web-sessions.js';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'status-page');
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js'));

/** The files the page is made of: an allow-list, never a path from the request. */
const FILES: Record<string, { path: string; type: string }> = {
  '/': { path: join(PAGE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/ui/app.js': { path: join(PAGE_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/ui/style.css': { path: join(PAGE_DIR, 'style.css'), type: 'text/css; charset=utf-8' },
  '/ui/uplot.esm.js': {
    path: join(UPLOT_DIR, 'uPlot.esm.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/ui/uplot.min.css': { path: join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const loginBody = z.object({
  user: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});

/** The status page (static files, no build step) and its cookie login. */
export function registerUiRoutes(app: FastifyInstance, auth: ApiAuth): void {
  for (const [url, file] of Object.entries(FILES)) {
    app.get(url, async (_req, reply) => {
      const body = await readFile(file.path);
      return (
        reply
          .type(file.type)
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          // Only the page's own files may run or load; no framing (clickjacking).
          .header('content-security-policy', CSP)
          .send(body)
      );
    });
  }
  app.post('/api/session', async (req, reply) => {
    try {
      const r = loginBody.safeParse(req.body);
      if (!r.success) throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'log in with { user, password }');
      const user = await auth.verify(req.ip, r.data.user, r.data.password);
      if (auth.roleOf(user) === 'collector')
        throw new ZHubError('HUB_ERR_FORBIDDEN', `user '${user}' is a collector: no status page`);
      return await reply
        .header('set-cookie', sessionCookie(auth.web.create(user), req.protocol === 'https'))
        .send({ user, role: auth.roleOf(user) });
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.get('/api/session', async (req, reply) => {
    const user = auth.web.user(cookie(req.headers.cookie, SESSION_COOKIE));
    return user === undefined
      ? sendError(reply, new ZHubError('HUB_ERR_AUTH_FAILED', 'not logged in'))
      : reply.send({ user, role: auth.roleOf(user) });
  });
  app.delete('/api/session', async (req, reply) => {
    auth.web.end(cookie(req.headers.cookie, SESSION_COOKIE));
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`)
      .code(204)
      .send();
  });
}
