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
import { type EmbedderSource, openEmbedderSource } from './search/embedders/embedder.js';
import { createSearchService, type SearchService } from './search/service.js';
import { startEmbedWorker, startIndexWorker } from './search/jobs.js';
import { startRetrainWorker } from './search/retrain.js';
import { everyInterval } from './util/every-interval.js';
import { processOwner } from './util/process-owner.js';

// Composition root: config -> database -> stores -> services, and the roles SERVICES names.

export interface Context {
  config: Config;
  database: Database;
  papers: PaperStore;
  search: SearchService;
  /** the embedder model as it changes (a retrained corpus model) */
  embedders: EmbedderSource;
}

export async function openContext(config: Config): Promise<Context> {
  const database = await openDatabase(config.databaseUrl);
  const papers = createPaperStore(database);
  // Search must not keep the site down: without an embedder it serves lexical results.
  const embedders = await openEmbedderSource(config.embedder, config.dataDir, config.embedderModel, database).catch((e: Error): EmbedderSource => {
    console.error(`${e.message}; searching by words only`);
    return { latest: () => null, poll: async () => false, file: null };
  });
  const search = createSearchService({
    database,
    papers,
    embedder: embedders.latest(),
    vectorIndexPath: path.join(config.dataDir, 'models', 'vectors.ivf'),
    lexicalIndexPath: path.join(config.dataDir, 'models', 'lexical.bm25'),
  });
  return { config, database, papers, search, embedders };
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
  const worker = ctx.config.services.includes('worker');
  const stopEmbedding = worker && (ctx.embedders.latest() || ctx.embedders.file) ? startEmbedWorker(ctx.database, () => ctx.embedders.latest(), log) : null;
  // A corpus model retrained by any process replaces the model file: follow it (the worker role to
  // embed with it, the web role to search with it).
  const stopFollowing = ctx.embedders.file && (worker || app) ? startModelFollower(ctx, { search: app !== null }, log) : null;
  const percent = ctx.config.embedderRetrainPercent;
  const stopRetraining =
    worker && ctx.embedders.file && percent > 0
      ? startRetrainWorker({
          database: ctx.database,
          dataDir: ctx.config.dataDir,
          percent,
          trainedOn: () => ctx.embedders.latest()?.papers,
          owner: processOwner('#retrain'),
          log,
        })
      : null;
  return {
    app,
    async stop() {
      if (app) await app.close();
      if (jobs) await jobs.stop();
      if (stopIndexing) await stopIndexing();
      if (stopRetraining) await stopRetraining();
      if (stopEmbedding) await stopEmbedding();
      if (stopFollowing) await stopFollowing();
      await ctx.database.close();
    },
  };
}

/** How often a process looks at the model file and at how far the new model's vectors have come. */
const FOLLOW_MS = 30_000;

/**
 * Loads a new corpus model when its file changes, and moves search to it once nearly every paper
 * has a vector from it (the worker role computes them meanwhile; search goes on with the old model).
 */
function startModelFollower(ctx: Context, role: { search: boolean }, log: (line: string) => void, intervalMs = FOLLOW_MS): () => Promise<void> {
  let waitingFor = '';
  return everyInterval(intervalMs, async () => {
    try {
      if (await ctx.embedders.poll()) log(`search: new model ${ctx.embedders.latest()?.version} loaded from ${ctx.embedders.file}`);
      // A worker without the web role only embeds: it never loads the vectors for searching.
      if (!role.search) return;
      const next = ctx.embedders.latest();
      const r = await ctx.search.useEmbedder(next);
      if (r.status === 'switched') log(`search: now searching with ${next?.name}@${next?.version}`);
      if (r.status === 'waiting' && waitingFor !== next?.version) {
        waitingFor = next?.version ?? '';
        log(`search: keeps the previous model until the papers are embedded with ${next?.version} (${r.missing} to go)`);
      }
    } catch (e) {
      log(`search: following the model file failed: ${(e as Error).message}`);
    }
  });
}
