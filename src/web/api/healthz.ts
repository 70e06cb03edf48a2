import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { createHarvestStore } from '../../ingest/harvest-store.js';

export function registerHealthz(app: FastifyInstance, { database, papers }: AppDeps) {
  const harvest = createHarvestStore(database);
  app.get('/healthz', async (_req, reply) => {
    try {
      const count = await papers.count();
      const h = await harvest.stats();
      const lastHarvest = { at: h.lastSuccessAt, pending: h.queueDepth, running: h.running, failed: h.windowsFailed, lastError: h.lastError };
      return { status: 'ok', database: database.dialect, papers: count, lastHarvest };
    } catch (e) {
      app.log.error({ err: e }, 'healthz: database check failed');
      return reply.code(503).send({ status: 'error', database: database.dialect, message: 'database unreachable' });
    }
  });
}
