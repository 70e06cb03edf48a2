import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { trainingState } from '../../search/retrain.js';
import type { JobState } from '../../jobs/runner.js';

/** This process's job runner, by job kind (the harvest above counts every process, from the database). */
function jobStates(states: JobState[]): Record<string, Omit<JobState, 'name'>> {
  return Object.fromEntries(states.map(({ name, ...s }) => [name, s]));
}

export function registerHealthz(app: FastifyInstance, { database, papers, search, jobs, harvestWindows: harvest }: AppDeps) {
  app.get('/healthz', async (_req, reply) => {
    try {
      const count = await papers.count();
      const h = await harvest.stats();
      const lastHarvest = { at: h.lastSuccessAt, pending: h.queueDepth, running: h.running, failed: h.windowsFailed, lastError: h.lastError };
      // The model searches use now, and the corpus model's retraining (src/search/retrain.ts).
      const model = search.embedder ? `${search.embedder.name}@${search.embedder.version}` : null;
      return {
        status: 'ok',
        database: database.dialect,
        papers: count,
        lastHarvest,
        search: { model, training: await trainingState(database) },
        jobs: jobStates(jobs.states()),
      };
    } catch (e) {
      app.log.error({ err: e }, 'healthz: database check failed');
      return reply.code(503).send({ status: 'error', database: database.dialect, message: 'database unreachable' });
    }
  });
}
