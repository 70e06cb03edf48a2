import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';

export function registerHealthz(app: FastifyInstance, { database, papers }: AppDeps) {
  app.get('/healthz', async (_req, reply) => {
    try {
      const count = await papers.count();
      return { status: 'ok', database: database.dialect, papers: count };
    } catch (e) {
      app.log.error({ err: e }, 'healthz: database check failed');
      return reply.code(503).send({ status: 'error', database: database.dialect, message: 'database unreachable' });
    }
  });
}
