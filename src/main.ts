import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { openDatabase, type Database } from './storage/database.js';
import { assertSchemaCurrent } from './storage/migrate.js';
import { createPaperStore, type PaperStore } from './papers/store.js';
import { buildApp } from './web/app.js';
import { startJobRoles, type JobRoles } from './jobs/roles.js';
import { createCommunity } from './community/community.js';
import { arxivPaperFetcher } from './ingest/harvester.js';
import { loadEmbedder } from './search/embedder.js';
import { createSearchService, type SearchService } from './search/service.js';
import { startEmbedWorker, startIndexWorker } from './search/jobs.js';

// Composition root: config -> database -> stores -> services, and the roles SERVICES names.

export interface Context {
  config: Config;
  database: Database;
  papers: PaperStore;
  search: SearchService;
}

export async function openContext(config: Config): Promise<Context> {
  const database = await openDatabase(config.databaseUrl);
  const papers = createPaperStore(database);
  // Search must not keep the site down: without an embedder it serves lexical results.
  const embedder = await loadEmbedder(config.raw.EMBEDDER ?? 'corpus', config.dataDir, config.raw.EMBEDDER_MODEL).catch((e: Error) => {
    console.error(`${e.message}; searching by words only`);
    return null;
  });
  return { config, database, papers, search: createSearchService({ database, papers, embedder, vectorIndexPath: path.join(config.dataDir, 'models', 'vectors.ivf'), lexicalIndexPath: path.join(config.dataDir, 'models', 'lexical.bm25') }) };
}

export interface Running {
  app: FastifyInstance | null;
  stop(): Promise<void>;
}

/** Start the roles in SERVICES on an up-to-date schema; returns a handle that stops them in order. */
export async function startServices(ctx: Context, log: (line: string) => void = console.log): Promise<Running> {
  await assertSchemaCurrent(ctx.database);
  let app: FastifyInstance | null = null;
  if (ctx.config.services.includes('web')) {
    // /submit fetches a paper that is not harvested yet from the arXiv API.
    app = await buildApp({ ...ctx, community: createCommunity(ctx.database, ctx.papers, ctx.config, { fetcher: arxivPaperFetcher(ctx.config, ctx.database) }) });
    await app.listen({ port: ctx.config.port, host: ctx.config.host });
    const shown = ctx.config.host === '0.0.0.0' || ctx.config.host === '::' ? 'localhost' : ctx.config.host;
    log(`paperboy: serving http://${shown}:${(app.server.address() as { port: number }).port} (${ctx.database.dialect})`);
  }
  let jobs: JobRoles | null = null;
  if (ctx.config.services.includes('worker') || ctx.config.services.includes('scheduler')) jobs = await startJobRoles(ctx, log);
  // Builds the search index of an import that was killed before building it itself.
  const stopIndexing = ctx.config.services.includes('worker') ? startIndexWorker(ctx.database, log) : null;
  const stopEmbedding =
    ctx.config.services.includes('worker') && ctx.search.embedder ? startEmbedWorker(ctx.database, ctx.search.embedder, log) : null;
  return {
    app,
    async stop() {
      if (app) await app.close();
      if (jobs) await jobs.stop();
      if (stopIndexing) await stopIndexing();
      if (stopEmbedding) await stopEmbedding();
      await ctx.database.close();
    },
  };
}
