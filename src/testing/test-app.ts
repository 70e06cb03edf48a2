import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../config.js';
import type { Database } from '../storage/database.js';
import { createPaperStore, type PaperStore } from '../papers/store.js';
import { createSearchService, type SearchService } from '../search/service.js';
import type { JobState } from '../jobs/runner.js';
import { wireServices, type Services, type WireOptions } from '../main.js';
import { buildApp } from '../web/app.js';
import type { AppDeps } from '../web/deps.js';

// The app as src/main.ts wires it, for in-process HTTP tests (Fastify inject or a browser).
// Tests change only what they must: the config, a mailer pointed at the test SMTP peer, a fixed
// clock, a search service with an embedder; /submit fetches nothing from arXiv unless given a fetcher.

export interface TestAppOptions extends WireOptions {
  database: Database;
  /** LOG_LEVEL=silent and the defaults otherwise */
  config?: Config;
  papers?: PaperStore;
  /** lexical-only search by default */
  search?: SearchService;
  /** the job runner /healthz and /metrics show (none by default) */
  jobs?: { states(): JobState[] };
}

export interface TestApp {
  app: FastifyInstance;
  /** what the handlers got: the test reaches the same community, digests, mailer */
  deps: AppDeps & Services;
}

/** app.close() also closes what the wiring opened (the mail transport); the database stays the test's. */
export async function buildTestApp(o: TestAppOptions): Promise<TestApp> {
  const { database } = o;
  const config = o.config ?? loadConfig({ LOG_LEVEL: 'silent' });
  const papers = o.papers ?? createPaperStore(database);
  const search = o.search ?? createSearchService({ database, papers, embedder: null });
  const embedders = { latest: () => search.embedder, poll: async () => false, file: null };
  const services = wireServices(
    { config, database, papers, search, embedders },
    {
      log: o.log ?? (() => {}),
      mailer: o.mailer,
      now: o.now,
      sessionSecret: o.sessionSecret,
      fetcher: o.fetcher === undefined ? null : o.fetcher,
      pageCache: o.pageCache,
    },
  );
  const deps = { ...services, jobs: o.jobs ?? { states: () => [] } };
  const app = await buildApp(deps);
  app.addHook('onClose', async () => services.close());
  return { app, deps };
}
