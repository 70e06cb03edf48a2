import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ROUTES } from './routes.js';
import { installSessions } from './session.js';
import { errorPage } from './error-page.js';
import type { AppDeps } from './deps.js';
import { trustProxyOption } from '../config.js';
import { installOpenApi } from './api/openapi.js';
import { installStrictNumbers } from './strict-numbers.js';
import { databaseUnavailable, unavailableMessage } from '../storage/unavailable.js';

const STATIC_DIR = fileURLToPath(new URL('../../../src/web/static/', import.meta.url));

/** Retry-After of a request that found the database unavailable. */
const UNAVAILABLE_RETRY_AFTER_S = 5;

function wantsJson(url: string): boolean {
  return url.startsWith('/api/') || url === '/healthz';
}

/** The HTTP app over services built by the caller (src/main.ts, or src/testing/test-app.ts in tests). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.config.logLevel,
      redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
    },
    // Off unless TRUST_PROXY names the proxies: otherwise any client picks its address by X-Forwarded-For.
    trustProxy: trustProxyOption(deps.config.trustProxy),
    bodyLimit: 256 * 1024,
  });
  // Before any route: the document is collected from the routes as they are registered, and
  // whole numbers in their query strings are read strictly.
  await installOpenApi(app, deps.config);
  installStrictNumbers(app);
  await app.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', maxAge: '1h' });

  app.setNotFoundHandler((req, reply) => {
    if (wantsJson(req.url)) return reply.code(404).send({ error: 'Not Found', message: `no route for ${req.method} ${req.url.split('?')[0]}` });
    return reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(errorPage(404, 'Not found', 'There is no page at this address.'));
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    // The database down, locked or out of disk: a friendly 503 that says to come back, and the
    // cause in the log (it comes back by itself once the database does).
    const unavailable = databaseUnavailable(err);
    if (unavailable) {
      req.log.warn({ err }, `request failed: database ${unavailable}`);
      const message = unavailableMessage(unavailable);
      reply.code(503).header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
      if (wantsJson(req.url)) return reply.send({ error: 'Service Unavailable', message: `storage: ${message}` });
      return reply.type('text/html; charset=utf-8').send(errorPage(503, 'Temporarily unavailable', message));
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'request failed');
    const message = status === 500 ? 'Something went wrong on our side; it has been logged.' : err.message;
    if (wantsJson(req.url)) return reply.code(status).send({ error: status === 500 ? 'Internal Server Error' : 'Bad Request', message });
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(errorPage(status, status === 500 ? 'Server error' : 'Bad request', message));
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'strict-origin-when-cross-origin');
    reply.header('X-Frame-Options', 'DENY');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      );
    }
    return payload;
  });

  await installSessions(app, deps);
  for (const register of ROUTES) await register(app, deps);
  return app;
}
