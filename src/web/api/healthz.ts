import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { freeBytes } from '../../util/data-dir.js';
import { keptValue } from '../../util/kept-value.js';
import type { AppDeps } from '../deps.js';
import { trainingState } from '../../search/retrain.js';
import type { JobState } from '../../jobs/runner.js';

/** This process's job runner, by job kind (the harvest above counts every process, from the database). */
function jobStates(states: JobState[]): Record<string, Omit<JobState, 'name'>> {
  return Object.fromEntries(states.map(({ name, ...s }) => [name, s]));
}

/** The folders whose disk must have room: DATA_DIR, and the SQLite database's. */
function diskPaths(config: Config): { what: string; path: string }[] {
  const paths = [{ what: 'DATA_DIR', path: path.resolve(config.dataDir) }];
  if (config.databaseUrl.startsWith('sqlite:') && config.databaseUrl !== 'sqlite::memory:') {
    paths.push({ what: 'the database', path: path.dirname(path.resolve(config.databaseUrl.slice('sqlite:'.length))) });
  }
  return paths;
}

/** A disk below DISK_MIN_FREE_MB, named, or null. */
function diskShortage(config: Config): string | null {
  if (!config.diskMinFreeMb) return null;
  for (const { what, path: p } of diskPaths(config)) {
    const free = freeBytes(p);
    if (free !== null && free < config.diskMinFreeMb * 1024 * 1024) {
      return `disk full: ${(free / 1024 / 1024).toFixed(1)} MiB free for ${what} (${p}), below DISK_MIN_FREE_MB=${config.diskMinFreeMb}; writes fail until space is freed`;
    }
  }
  return null;
}

// How old the paper count /healthz shows may get. Counting is a scan of the papers (on PostgreSQL a
// sequential scan until the table is vacuumed): 150 ms at 200,000 papers while an import's search
// vectors were filled beside it, and a probe every few seconds would pay it each time.
const PAPER_COUNT_MAX_AGE_MS = 30_000;

export function registerHealthz(app: FastifyInstance, { config, database, papers, search, jobs, harvestWindows: harvest }: AppDeps) {
  const paperCount = keptValue(() => papers.count(), PAPER_COUNT_MAX_AGE_MS);
  app.get('/healthz', async (_req, reply) => {
    const disk = diskShortage(config);
    if (disk) {
      app.log.error(`healthz: ${disk}`);
      return reply.code(503).send({ status: 'error', database: database.dialect, message: disk });
    }
    try {
      // The harvest's stats are read from the database on every call: they are its liveness check.
      const h = await harvest.stats();
      const count = await paperCount();
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
